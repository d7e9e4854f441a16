package dev.lectern.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.lang.foreign.Arena;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.lectern.engine.gguf.GgmlType;

/**
 * {@code dot} works on the quants directly (scale × sum of q·x per block), {@code dequantizeRow} writes
 * values out; they must agree. Shapes are chosen to be awkward: an odd number of rows, several blocks
 * per row, and offsets that are not zero on both the input and the output.
 */
class TensorDotTest {

    private static final int COLUMNS = 768; // 3 K-quant super-blocks, 24 blocks of 32
    private static final int X_OFFSET = 7;
    private static final int OUT_OFFSET = 3;

    /**
     * Float sums of 768 terms: the dot and the double-precision reference differ by rounding alone,
     * measured at most 1.3e-7 of sum |w·x| (480 rows per type, F32 the worst); 2e-6 leaves a wide
     * margin and still fails by orders of magnitude on a wrong index, nibble or scale.
     */
    private static final double TOLERANCE = 2e-6;

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void dotOfEveryRowEqualsTheDequantizedRowDottedWithX(GgmlType type) {
        checkDots(type, 5);
    }

    /** A 1-D tensor (a norm weight, a bias) is one row. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void aOneRowTensorDotsLikeAnyOther(GgmlType type) {
        checkDots(type, 1);
    }

    private static void checkDots(GgmlType type, int rows) {
        long seed = Seeds.next();
        float[] weights = Seeds.normal(seed, rows * COLUMNS);
        float[] x = Seeds.normal(seed ^ 0x5DEECE66DL, COLUMNS + 2 * X_OFFSET);
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor tensor = WeightTensors.quantize(type, weights, rows, COLUMNS, arena);
            assertThat(tensor.rows()).isEqualTo(rows);
            assertThat(tensor.columns()).isEqualTo(COLUMNS);
            for (int row = 0; row < rows; row++) {
                float[] out = new float[OUT_OFFSET + COLUMNS + 5];
                Arrays.fill(out, Float.NaN);
                tensor.dequantizeRow(row, out, OUT_OFFSET);
                String where = type + " row " + row + " of " + rows + ", " + Seeds.describe(seed);
                for (int i = 0; i < out.length; i++) {
                    boolean inside = i >= OUT_OFFSET && i < OUT_OFFSET + COLUMNS;
                    assertThat(Float.isNaN(out[i])).as("%s: element %d %s", where, i,
                            inside ? "left unwritten" : "written outside the row").isEqualTo(!inside);
                }
                double expected = 0;
                double magnitude = 0;
                for (int i = 0; i < COLUMNS; i++) {
                    double term = (double) out[OUT_OFFSET + i] * x[X_OFFSET + i];
                    expected += term;
                    magnitude += Math.abs(term);
                }
                assertThat((double) tensor.dot(row, x, X_OFFSET)).as(where)
                        .isCloseTo(expected, offset(TOLERANCE * magnitude));
            }
        }
    }
}
