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
        assertThat(capabilities.describe()).contains(capabilities.vectorBits() + "-bit vectors", "enabled");
    }

    @Test
    void describesAMissingNativeAccessFlagWithTheFix() {
        VectorCapabilities withoutNativeAccess = new VectorCapabilities(256, 8, false);
        assertThat(withoutNativeAccess.describe()).contains("DISABLED", "--enable-native-access=ALL-UNNAMED");
    }
}
