package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Guards the build's JVM flags: the tests (like the app) must run with the Vector API and native access. */
class VectorCapabilitiesTest {

    @Test
    void testJvmHasTheVectorModuleAndNativeAccess() {
        VectorCapabilities capabilities = VectorCapabilities.detect();
        assertThat(capabilities.vectorBits()).isIn(128, 256, 512);
        assertThat(capabilities.floatLanes()).isEqualTo(capabilities.vectorBits() / Float.SIZE);
        assertThat(capabilities.nativeAccessEnabled()).isTrue();
        assertThat(capabilities.describe()).contains(capabilities.vectorBits() + "-bit vectors")
                .doesNotContain("native");
    }

    @Test
    void describesAMissingNativeAccessFlagWithTheFix() {
        VectorCapabilities withoutNativeAccess = new VectorCapabilities(256, 8, false);
        assertThat(withoutNativeAccess.describe()).contains("DISABLED", "--enable-native-access=ALL-UNNAMED");
    }

    /** The kernels line says which kernels run, and where they are the Vector API's, why. */
    @Test
    void kernelsLineNamesTheKernelsThatRunAndWhy() {
        NativeKernels.Availability off = new NativeKernels.Availability(null,
                "this CPU lacks AVX-512 (BW, VL, DQ), which the native kernels need");
        assertThat(CpuBackend.describeKernels(off, jdk.incubator.vector.FloatVector.SPECIES_256))
                .isEqualTo("Vector API 256-bit kernels: this CPU lacks AVX-512 (BW, VL, DQ), which the native kernels need");
        NativeKernels.Availability here = NativeKernels.load();
        try (CpuBackend cpu = new CpuBackend(1)) {
            assertThat(cpu.kernelsDescription()).startsWith(here.loaded() ? "native" : "Vector API");
        }
    }
}
