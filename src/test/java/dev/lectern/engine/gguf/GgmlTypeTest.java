package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

class GgmlTypeTest {

    @Test
    void idsRoundTripAndRemovedIdsAreUnknown() {
        for (GgmlType type : GgmlType.values()) {
            assertThat(GgmlType.byId(type.id())).contains(type);
        }
        for (int removed : new int[] {4, 5, 31, 32, 33, 36, 37, 38, 40, -1}) {
            assertThat(GgmlType.byId(removed)).isEmpty();
        }
    }

    /** Sizes from ggml-common.h's block structs, summed by hand. */
    @Test
    void blockLayoutsOfTheComputableTypesMatchGgml() {
        assertThat(GgmlType.Q8_0.bytesPerBlock()).isEqualTo(2 + 32);
        assertThat(GgmlType.Q4_0.bytesPerBlock()).isEqualTo(2 + 16);
        assertThat(GgmlType.Q4_K.bytesPerBlock()).isEqualTo(2 + 2 + 12 + 128);
        assertThat(GgmlType.Q5_K.bytesPerBlock()).isEqualTo(2 + 2 + 12 + 32 + 128);
        assertThat(GgmlType.Q6_K.bytesPerBlock()).isEqualTo(128 + 64 + 16 + 2);
        assertThat(EnumSet.allOf(GgmlType.class).stream().filter(GgmlType::computable))
                .containsExactlyInAnyOrder(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
                        GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    }

    @Test
    void rowBytesNeedWholeBlocks() {
        assertThat(GgmlType.Q4_K.rowBytes(1024)).isEqualTo(4 * 144);
        assertThat(GgmlType.F16.rowBytes(3)).isEqualTo(6);
        assertThatThrownBy(() -> GgmlType.Q8_0.rowBytes(48))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks of 32");
    }
}
