package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.gguf.GgmlType;

/**
 * The native kernels load wherever the build could make them and the CPU can run them. It lives apart
 * from {@link NativeKernelsTest}, whose tests are skipped when the library does not load: here a broken
 * native build, or one silently skipped on a machine with a C compiler, fails the suite.
 */
class NativeKernelsLoadTest {

    @Test
    void loadsWhereTheBuildAndTheCpuAllowIt() throws IOException, InterruptedException {
        boolean x86Linux = System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").equals("amd64");
        assumeThat(x86Linux).as("native kernels are built for x86-64 Linux only").isTrue();
        assumeThat(System.getProperty("lectern.cpu.native")).as("native kernels turned off for this run")
                .isNotEqualTo("false");
        boolean built = NativeKernels.class.getResource("/native/linux-x86_64/liblectern_cpu.so") != null;
        if (compilerOnPath()) {
            assertThat(built).as("a C compiler is installed, so the build must have made liblectern_cpu.so").isTrue();
        }
        String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        boolean avx512 = cpuinfo.contains(" avx512bw") && cpuinfo.contains(" avx512vl") && cpuinfo.contains(" avx512dq");
        NativeKernels.Availability availability = NativeKernels.load();
        if (avx512 && built) {
            assertThat(availability.loaded()).as(availability.description()).isTrue();
            try (CpuBackend backend = new CpuBackend(1)) {
                assertThat(backend.name()).endsWith("+native");
            }
            assertThat(availability.kernels().multipliesTiles(GgmlType.Q4_K)).as("VNNI tile kernel")
                    .isEqualTo(cpuinfo.contains(" avx512_vnni"));
        }
    }

    private static boolean compilerOnPath() throws InterruptedException {
        try {
            return new ProcessBuilder("cc", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }
}
