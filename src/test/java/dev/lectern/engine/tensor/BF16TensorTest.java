package dev.lectern.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** BF16 keeps the top 16 bits of a float; these pin down how the other 16 are rounded away. */
class BF16TensorTest {

    private static short bf16(int floatBits) {
        return BF16Tensor.fromFloat(Float.intBitsToFloat(floatBits));
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        assertThat(bf16(0x3F80_7FFF)).isEqualTo((short) 0x3F80); // just below half: down
        assertThat(bf16(0x3F80_8001)).isEqualTo((short) 0x3F81); // just above half: up
        assertThat(bf16(0x3F80_8000)).isEqualTo((short) 0x3F80); // tie, 0x3F80 is even: down
        assertThat(bf16(0x3F81_8000)).isEqualTo((short) 0x3F82); // tie, 0x3F81 is odd: up to even
        assertThat(bf16(0xBF81_8000)).isEqualTo((short) 0xBF82); // negative values mirror
    }

    @Test
    void aCarryFromTheMantissaReachesTheExponent() {
        assertThat(bf16(0x3FFF_FFFF)).isEqualTo((short) 0x4000);          // 1.99999… → 2.0
        assertThat(bf16(0x7F7F_FFFF)).isEqualTo((short) 0x7F80);          // Float.MAX_VALUE → +∞, as ggml
    }

    @Test
    void nanStaysNaNEvenWhenItsPayloadIsOnlyInTheDroppedBits() {
        // Truncating 0x7F800001 would give 0x7F80, infinity; it must come back as a (quiet) NaN.
        assertThat(Float.isNaN(BF16Tensor.toFloat(bf16(0x7F80_0001)))).isTrue();
        assertThat(Float.isNaN(BF16Tensor.toFloat(bf16(0xFF80_0001)))).isTrue();
        assertThat(Float.isNaN(BF16Tensor.toFloat(BF16Tensor.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void infinitiesZerosAndExactValuesPassUnchanged() {
        for (float exact : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -3.140625f,
            0x1p-126f, 0x1p-133f}) {
            assertThat(Float.floatToRawIntBits(BF16Tensor.toFloat(BF16Tensor.fromFloat(exact))))
                    .as("%s", exact).isEqualTo(Float.floatToRawIntBits(exact));
        }
    }
}
