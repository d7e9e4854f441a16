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
        NativeKernels.Availability off = new NativeKernels.Availability(null, CpuIsa.VECTOR,
                "this CPU lacks AVX2 + FMA + F16C");
        assertThat(CpuBackend.describeKernels(off, jdk.incubator.vector.FloatVector.SPECIES_256))
                .isEqualTo("Vector API 256-bit kernels: this CPU lacks AVX2 + FMA + F16C");
        NativeKernels.Availability here = NativeKernels.load();
        try (CpuBackend cpu = new CpuBackend(1)) {
            if (here.loaded()) {
                assertThat(cpu.kernelsDescription()).startsWith("native CPU kernels: " + here.isa().id() + " (")
                        .endsWith("; Vector API " + here.isa().species().vectorBitSize() + "-bit kernels for the rest");
                boolean configured = System.getProperty("lectern.cpu.isa") != null;
                if (!configured && here.isa() == NativeKernels.supportedIsas().getFirst()) {
                    assertThat(cpu.kernelsDescription()).contains("the best this CPU has");
                }
            } else {
                assertThat(cpu.kernelsDescription()).startsWith("Vector API ");
            }
        }
    }
}
