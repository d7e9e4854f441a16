package dev.lectern.admin;

import java.util.List;
import java.util.Locale;

/**
 * What the admin page's GPU panel would show, printed: {@code kernels/check-gpu.sh} compiles this class with
 * {@link Nvml} alone and runs it on a GPU machine. Exits 0 with the GPUs, 2 when NVML is not available.
 */
public final class NvmlCheck {

    private NvmlCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        Nvml nvml;
        try {
            nvml = Nvml.open(args.length > 0 ? args[0] : Nvml.LIBRARY);
        } catch (NvmlUnavailableException unavailable) {
            System.out.println("GPU panel: none; the admin page shows the CPU panel. Why: " + unavailable.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("NVIDIA driver " + nvml.driverVersion().orElse("(version unknown)"));
        for (int sample = 0; sample < 3; sample++) {
            List<GpuStats> gpus = nvml.gpus();
            System.out.println("sample " + (sample + 1) + ": " + gpus.size() + " GPU(s)");
            for (GpuStats gpu : gpus) {
                System.out.println(String.format(Locale.ROOT, "  GPU %d %s: utilization %s%% (memory %s%%), memory %s"
                                + " of %s MiB, %s °C, power %s of %s W", gpu.index(), gpu.name(),
                        gpu.utilizationPercent(), gpu.memoryUtilizationPercent(), mib(gpu.memoryUsedBytes()),
                        mib(gpu.memoryTotalBytes()), gpu.temperatureCelsius(), gpu.powerWatts(), gpu.powerLimitWatts()));
            }
            Thread.sleep(500);
        }
    }

    private static String mib(Long bytes) {
        return bytes == null ? "?" : Long.toString(bytes >> 20);
    }
}
