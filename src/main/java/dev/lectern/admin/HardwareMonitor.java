package dev.lectern.admin;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.lectern.inference.EngineStatus;

/**
 * Reads the hardware panel: NVML when the NVIDIA driver is there (opened once; its absence is remembered
 * and logged once, as a normal state), and the CPU side from the JVM's management beans and Linux's
 * {@code /proc}.
 */
public final class HardwareMonitor {

    private static final Logger log = LoggerFactory.getLogger(HardwareMonitor.class);

    private final Nvml nvml;
    private final String gpuNote;
    private final Path proc;
    private final String processor;

    /** NVML from {@code library} if it loads; the CPU figures from {@code proc} (normally {@code /proc}). */
    public HardwareMonitor(String library, Path proc) {
        Nvml opened = null;
        String note;
        try {
            opened = Nvml.open(library);
            note = opened.driverVersion().map(version -> "NVIDIA driver " + version).orElse("NVIDIA driver");
            log.info("NVML: {}; the admin page shows the GPUs", note);
        } catch (NvmlUnavailableException unavailable) {
            note = unavailable.getMessage();
            log.info("NVML: {}; the admin page shows the CPU", note);
        } catch (RuntimeException failure) {
            note = "NVML failed: " + failure.getMessage();
            log.warn("NVML could not be read; the admin page shows the CPU", failure);
        }
        this.nvml = opened;
        this.gpuNote = note;
        this.proc = proc;
        this.processor = cpuModel(proc);
    }

    public boolean hasNvml() {
        return nvml != null;
    }

    public HardwarePanel read(EngineStatus engine) {
        List<GpuStats> gpus = List.of();
        String note = gpuNote;
        if (nvml != null) {
            try {
                gpus = nvml.gpus();
            } catch (RuntimeException failure) {
                note = "NVML failed: " + failure.getMessage();
            }
        }
        return new HardwarePanel(gpus, note, cpu(engine));
    }

    private CpuStats cpu(EngineStatus engine) {
        Double cpuPercent = null;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double load = os.getProcessCpuLoad();
            cpuPercent = load < 0 ? null : load * 100;
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        long kv = engine.kvPool() == null ? 0 : engine.kvPool().residentBytes();
        return new CpuStats(processor, Runtime.getRuntime().availableProcessors(), engine.threads(), cpuPercent,
                loadAverage(), residentBytes(), heap.getUsed(), heap.getCommitted(), heap.getMax(), kv, direct,
                engine.modelBytes(), engine.backend(), engine.kernels());
    }

    /** The 1, 5 and 15 minute load averages from {@code loadavg}; null without it. */
    private double[] loadAverage() {
        try {
            String[] fields = Files.readString(proc.resolve("loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(fields[0]), Double.parseDouble(fields[1]),
                Double.parseDouble(fields[2])};
        } catch (IOException | RuntimeException unavailable) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return one < 0 ? null : new double[] {one};
        }
    }

    /** VmRSS from {@code self/status}, in bytes; null without it. */
    private Long residentBytes() {
        try (Stream<String> lines = Files.lines(proc.resolve("self").resolve("status"))) {
            return lines.filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024).orElse(null);
        } catch (IOException | RuntimeException unavailable) {
            return null;
        }
    }

    private static String cpuModel(Path proc) {
        try (Stream<String> lines = Files.lines(proc.resolve("cpuinfo"))) {
            Optional<String> model = lines.filter(line -> line.startsWith("model name")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim());
            return model.orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException unavailable) {
            return System.getProperty("os.arch");
        }
    }
}
