package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GgufArrayTest {

    @Test
    void unsignedElementsWidenWithoutSign() {
        assertThat(GgufArray.of(GgufValueType.UINT8, new byte[] {(byte) 255}).longAt(0)).isEqualTo(255);
        assertThat(GgufArray.of(GgufValueType.INT8, new byte[] {(byte) 255}).longAt(0)).isEqualTo(-1);
        assertThat(GgufArray.of(GgufValueType.UINT16, new short[] {(short) 65535}).longAt(0)).isEqualTo(65535);
        assertThat(GgufArray.of(GgufValueType.UINT32, new int[] {-1}).longAt(0)).isEqualTo(4_294_967_295L);
        assertThat(GgufArray.of(GgufValueType.UINT32, new int[] {-1}).elementAt(0))
                .isEqualTo(GgufValue.uint32(4_294_967_295L));
    }

    @Test
    void theJavaArrayMustMatchTheElementType() {
        assertThatThrownBy(() -> GgufArray.of(GgufValueType.INT64, new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an array of INT64 is held in a long[], not a int[]");
        assertThatThrownBy(() -> GgufArray.ofStrings("a", null)).hasMessage("element 1 is null");
    }

    @Test
    void anArrayIsACopyOfWhatItWasMadeFrom() {
        int[] values = {1, 2};
        GgufArray array = GgufArray.ofInt32(values);
        values[0] = 99;

        assertThat(array.longAt(0)).isEqualTo(1);
        assertThat(array.toIntArray()).containsExactly(1, 2);
    }

    @Test
    void elementsAreReadOnlyAsTheirOwnKind() {
        GgufArray strings = GgufArray.ofStrings("a");

        assertThatThrownBy(() -> strings.longAt(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this is an array of STRING, not of integer elements");
    }

    @Test
    void equalityIsByTypeAndContent() {
        assertThat(GgufArray.ofArrays(GgufArray.ofInt32(1))).isEqualTo(GgufArray.ofArrays(GgufArray.ofInt32(1)))
                .hasSameHashCodeAs(GgufArray.ofArrays(GgufArray.ofInt32(1)));
        assertThat(GgufArray.ofInt32(1)).isNotEqualTo(GgufArray.of(GgufValueType.UINT32, new int[] {1}));
        assertThat(GgufArray.ofStrings("a", "b", "c", "d", "e")).hasToString("ARRAY<STRING>[5] {\"a\", \"b\", \"c\", \"d\", ...}");
    }
}
