package dev.lectern.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.inference.EngineState;
import dev.lectern.inference.EngineStatus;

/**
 * Without NVIDIA's library the hardware panel is the CPU's, with the reason, and nothing fails: the normal
 * state of every machine without an NVIDIA driver (this one among them). The CPU figures come from /proc.
 */
class HardwareMonitorTest {

    private static final String MISSING = "libnvidia-ml-not-installed-here.so.1";

    private static EngineStatus engine() {
        return new EngineStatus(EngineState.NOT_CONFIGURED, null, null, 123_456, 0, null, null, null, 3, 4096, "F16",
                null, null, null, null);
    }

    @Test
    void aMissingLibraryIsReportedAsUnavailableWithTheReason() {
        assertThatThrownBy(() -> Nvml.open(MISSING)).isInstanceOf(NvmlUnavailableException.class)
                .hasMessageContaining("No NVIDIA driver here").hasMessageContaining(MISSING);
    }

    @Test
    void withoutNvmlThePanelIsTheCpusAndSaysWhy() {
        HardwareMonitor monitor = new HardwareMonitor(MISSING, Path.of("/proc"));
        assertThat(monitor.hasNvml()).isFalse();
        HardwarePanel panel = monitor.read(engine());
        assertThat(panel.gpus()).isEmpty();
        assertThat(panel.gpuNote()).contains("No NVIDIA driver here");
        CpuStats cpu = panel.cpu();
        assertThat(cpu.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(cpu.engineThreads()).isEqualTo(3);
        assertThat(cpu.heapUsedBytes()).isPositive().isLessThanOrEqualTo(cpu.heapCommittedBytes());
        assertThat(cpu.mappedModelBytes()).isEqualTo(123_456);
        assertThat(cpu.processor()).isNotBlank();
        if (Files.exists(Path.of("/proc/self/status"))) {
            assertThat(cpu.residentBytes()).as("VmRSS of this JVM").isGreaterThan(cpu.heapUsedBytes() / 4);
            assertThat(cpu.loadAverage()).hasSize(3);
        }
    }

    @Test
    void theCpuFiguresAreReadFromProc(@TempDir Path proc) throws IOException {
        Files.writeString(proc.resolve("loadavg"), "1.50 0.75 0.25 2/345 6789\n");
        Files.writeString(proc.resolve("cpuinfo"), "processor\t: 0\nmodel name\t: Test CPU 9000 @ 3.00GHz\n");
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self/status"), "Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t  2048 kB\n");
        CpuStats cpu = new HardwareMonitor(MISSING, proc).read(engine()).cpu();
        assertThat(cpu.processor()).isEqualTo("Test CPU 9000 @ 3.00GHz");
        assertThat(cpu.loadAverage()).containsExactly(1.5, 0.75, 0.25);
        assertThat(cpu.residentBytes()).isEqualTo(2048L * 1024);
    }

    /** The check script's class says the same, and exits 2 rather than failing. */
    @Test
    void theGpuCheckNamesTheMissingLibrary() throws Exception {
        Process check = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                NvmlCheck.class.getName(), MISSING).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(output).isEqualTo(2);
        assertThat(output).contains("GPU panel: none", MISSING);
    }
}
