package dev.lectern.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.lectern.engine.gguf.GgmlType;

/**
 * Quantize, then dequantize through the tensor, and measure what was lost. These catch a quantizer
 * that chooses poor scales, and a dequantizer that disagrees with the quantizer; they cannot catch a
 * layout that is wrong but self-consistent, which is what {@link TensorKnownAnswerTest} is for.
 */
class TensorRoundTripTest {

    private static final int ROWS = 48;
    /** Two K-quant super-blocks, eight Q8_0/Q4_0 blocks per row. */
    private static final int COLUMNS = 512;
    /** Trained weights sit around this standard deviation; the errors below are relative, and measured
     *  the same (to ±1%) at σ = 1 and σ = 0.002. */
    private static final float SIGMA = 0.02f;

    /**
     * Relative RMS error bounds, set about 25% above the worst measured on normal data (20 seeds of
     * 64 × 512 values at each of σ = 1, 0.02 and 0.002; all within ±2% of these figures):
     * F32 is exact. F16 keeps 11 significant bits: 2.1e-4. BF16 keeps 8: 1.67e-3.
     * Q8_0 has steps of max|x|/127 per 32 values: 5.4e-3. Q6_K has 6-bit codes per 16 values: 1.75e-2.
     * Q5_K and Q4_K have 5- and 4-bit codes with a min per 32 values: 3.6e-2 and 7.2e-2.
     * Q4_0 has 4-bit codes and no min: 8.7e-2. Each is what uniform rounding over a block's range predicts.
     */
    static double bound(GgmlType type) {
        return switch (type) {
            case F32 -> 0.0;
            case F16 -> 2.6e-4;
            case BF16 -> 2.1e-3;
            case Q8_0 -> 6.8e-3;
            case Q6_K -> 2.2e-2;
            case Q5_K -> 4.5e-2;
            case Q4_K -> 9.0e-2;
            case Q4_0 -> 0.108;
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    static float[] roundTrip(GgmlType type, float[] values, int rows, int columns) {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor tensor = WeightTensors.quantize(type, values, rows, columns, arena);
            float[] back = new float[values.length];
            for (int row = 0; row < rows; row++) {
                tensor.dequantizeRow(row, back, row * columns);
            }
            return back;
        }
    }

    private static float[] normal(long seed, int count, float sigma) {
        float[] values = Seeds.normal(seed, count);
        for (int i = 0; i < count; i++) {
            values[i] *= sigma;
        }
        return values;
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void normalWeightsRoundTripWithinTheTypesErrorBound(GgmlType type) {
        long seed = Seeds.next();
        float[] values = normal(seed, ROWS * COLUMNS, SIGMA);
        double error = Seeds.relativeRms(values, roundTrip(type, values, ROWS, COLUMNS));
        assertThat(error).as("%s relative RMS error, %s", type, Seeds.describe(seed)).isLessThanOrEqualTo(bound(type));
    }

    /** The types trade bits for error in the order their names promise; a swapped layout breaks this. */
    @Test
    void errorGrowsFromF32ThroughQ4_0InTheOrderOfTheirBits() {
        long seed = Seeds.next();
        float[] values = normal(seed, ROWS * COLUMNS, SIGMA);
        GgmlType[] order = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q5_K,
            GgmlType.Q4_K, GgmlType.Q4_0};
        List<Double> errors = new ArrayList<>();
        for (GgmlType type : order) {
            errors.add(Seeds.relativeRms(values, roundTrip(type, values, ROWS, COLUMNS)));
        }
        assertThat(errors).as("errors of %s, %s", List.of(order), Seeds.describe(seed)).isSorted().doesNotHaveDuplicates();
    }

    /** Negative-only data: the K-quants' min carries the offset; the symmetric types waste half their codes. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void negativeOnlyWeightsRoundTripWithinTheTypesErrorBound(GgmlType type) {
        long seed = Seeds.next();
        float[] values = normal(seed, ROWS * COLUMNS, SIGMA);
        for (int i = 0; i < values.length; i++) {
            values[i] = -Math.abs(values[i]) - 0.001f;
        }
        assertThat(Seeds.relativeRms(values, roundTrip(type, values, ROWS, COLUMNS)))
                .as("%s, %s", type, Seeds.describe(seed))
                .isLessThanOrEqualTo(bound(type));
    }

    /**
     * A block of one repeated value comes back as that value up to the precision of the fp16 scale
     * (2^-11 relative; 2^-8 for BF16 itself): every quantized type can hit a constant exactly with its
     * extreme code. Positive constants exercise the scale, negative ones the K-quants' min. The constants
     * are large enough that every fp16 scale stays normal: Q6_K's d is c / (31 · 128), subnormal below
     * c ≈ 0.25, where d keeps fewer bits and a constant comes back only to ~0.3%, in ggml as here.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void constantBlocksComeBackAsThatConstant(GgmlType type) {
        float[] constants = {0.37f, -1.25f, 2.5f, -0.3f};
        float[] values = new float[constants.length * 256];
        for (int i = 0; i < values.length; i++) {
            values[i] = constants[i / 256];
        }
        float[] back = roundTrip(type, values, 2, values.length / 2);
        double tolerance = switch (type) {
            case F32 -> 0.0;
            case BF16 -> 0x1p-8;
            default -> 0x1p-10;
        };
        for (int i = 0; i < values.length; i++) {
            assertThat((double) back[i]).as("%s element %d of constant %s", type, i, values[i])
                    .isCloseTo(values[i], offset(Math.abs(values[i]) * tolerance));
        }
    }

    /** 0 / 0 must not appear: an all-zero block has max = 0 and so scale 0. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void allZeroBlocksComeBackAsExactZeros(GgmlType type) {
        float[] back = roundTrip(type, new float[2 * 512], 2, 512);
        for (int i = 0; i < back.length; i++) {
            // -0.0 is as good as 0.0 here (0 * -8 gives it for Q4_0); NaN fails this comparison.
            assertThat(back[i] == 0f).as("%s element %d is %s", type, i, back[i]).isTrue();
        }
    }

    /** Values below the smallest fp16 scale (~6e-8) give a scale of 0, so zeros, not NaN or infinity. */
    @ParameterizedTest
    @EnumSource(names = {"F16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void blocksTooSmallForAnFp16ScaleComeBackNearZeroNotNaN(GgmlType type) {
        long seed = Seeds.next();
        float[] values = normal(seed, 512, 1e-9f);
        float[] back = roundTrip(type, values, 1, 512);
        for (int i = 0; i < values.length; i++) {
            assertThat(Math.abs(back[i] - values[i])).as("%s element %d, %s", type, i, Seeds.describe(seed))
                    .isLessThan(1e-8f);
        }
    }

    /**
     * One weight 50σ out in every other 256-value block (the kind real models have). The outlier must
     * come back close (it gets the extreme code; the tolerances are measured worst cases ×1.5–2: the
     * K-quants' least-squares fit gives a little of it away to its 31 neighbours, 2.3e-2 of 1 for Q4_K),
     * and blocks without an outlier must not notice it: their error stays within the normal bound.
     * Inside an outlier's block the small weights are lost to the coarse step, by design of the formats.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void anOutlierIsKeptAndOtherBlocksDoNotNoticeIt(GgmlType type) {
        long seed = Seeds.next();
        float[] values = normal(seed, ROWS * COLUMNS, SIGMA);
        int outlierAt = 37;
        for (int block = 0; block < values.length / 256; block += 2) {
            values[block * 256 + outlierAt] = block % 4 == 0 ? 1.37f : -1.37f;
        }
        float[] back = roundTrip(type, values, ROWS, COLUMNS);
        double outlierTolerance = switch (type) {
            case F32 -> 0.0;
            case F16, Q8_0, Q4_0 -> 1e-3;
            case BF16 -> 6e-3;
            case Q6_K -> 1e-2;
            case Q5_K -> 1.5e-2;
            case Q4_K -> 5e-2;
            default -> throw new IllegalArgumentException(type.name());
        };
        List<Float> clean = new ArrayList<>();
        List<Float> cleanBack = new ArrayList<>();
        for (int block = 0; block < values.length / 256; block++) {
            int at = block * 256 + outlierAt;
            if (block % 2 == 0) {
                assertThat((double) back[at]).as("%s outlier of block %d, %s", type, block, Seeds.describe(seed))
                        .isCloseTo(values[at], offset(1.37 * outlierTolerance));
            } else {
                for (int i = block * 256; i < block * 256 + 256; i++) {
                    clean.add(values[i]);
                    cleanBack.add(back[i]);
                }
            }
        }
        assertThat(Seeds.relativeRms(toArray(clean), toArray(cleanBack)))
                .as("%s error of the blocks without an outlier, %s", type, Seeds.describe(seed))
                .isLessThanOrEqualTo(bound(type));
    }

    private static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }
}
