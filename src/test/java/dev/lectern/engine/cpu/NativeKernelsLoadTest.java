package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The native kernels load wherever the build could make them and the CPU can run them. It lives apart
 * from {@link NativeKernelsTest}, whose tests are skipped when the library does not load: here a broken
 * native build, or one silently skipped on a machine with a C compiler, fails the suite.
 */
class NativeKernelsLoadTest {

    /**
     * Where the build had a C compiler, every instruction set the CPU has loads (a set left out of the build,
     * or one whose probe is wrong, would pass every kernel test on the next set down unnoticed), and the
     * configured choice is the best of them.
     */
    @Test
    void loadsEveryInstructionSetTheCpuHas() throws IOException, InterruptedException {
        boolean x86Linux = System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").equals("amd64");
        assumeThat(x86Linux).as("native kernels are built for x86-64 Linux only").isTrue();
        boolean built = NativeKernels.class.getResource("/native/linux-x86_64/liblectern_cpu.so") != null;
        if (compilerOnPath()) {
            assertThat(built).as("a C compiler is installed, so the build must have made liblectern_cpu.so").isTrue();
        }
        assumeThat(built).as("native kernels built").isTrue();
        String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                .findFirst().orElse("") + " ";
        boolean avx2 = flags.contains(" avx2 ") && flags.contains(" fma ") && flags.contains(" f16c ");
        boolean avxvnni = avx2 && flags.contains(" avx_vnni ");
        boolean avx512 = avx2 && flags.contains(" avx512f ") && flags.contains(" avx512bw ") && flags.contains(" avx512vl ")
                && flags.contains(" avx512dq ") && flags.contains(" avx512_vnni ") && flags.contains(" avx512vbmi ");
        assertThat(NativeKernels.load(CpuIsa.AVX2).loaded()).as(NativeKernels.load(CpuIsa.AVX2).description()).isEqualTo(avx2);
        assertThat(NativeKernels.load(CpuIsa.AVXVNNI).loaded()).as(NativeKernels.load(CpuIsa.AVXVNNI).description())
                .isEqualTo(avxvnni);
        assertThat(NativeKernels.load(CpuIsa.AVX512).loaded()).as(NativeKernels.load(CpuIsa.AVX512).description())
                .isEqualTo(avx512);
        assertThat(NativeKernels.load(CpuIsa.VECTOR).loaded()).isFalse();
        List<CpuIsa> supported = NativeKernels.supportedIsas();
        boolean configured = System.getProperty("lectern.cpu.isa") != null || System.getProperty("lectern.cpu.native") != null;
        if (!supported.isEmpty() && !configured) {
            assertThat(NativeKernels.load().isa()).isEqualTo(supported.getFirst());
            try (CpuBackend backend = new CpuBackend(1)) {
                assertThat(backend.name()).endsWith("+" + supported.getFirst().id());
            }
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
