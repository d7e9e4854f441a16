package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.lang.foreign.Arena;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;
import jdk.incubator.vector.FloatVector;

/**
 * The native K-quant kernels against their scalar reference: activations rounded by {@link Q8_KRounding},
 * then the {@link ReferenceBackend}'s product with the dequantized weights. Rounding must agree bit for bit;
 * the products within float summation error, since the native kernels add exact integer products and
 * the reference adds float products.
 */
class NativeKernelsTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /**
     * |native − reference| ≤ bound · Σ_c |w_c · x_c|. Both sides multiply the same exact values (int8 quants
     * times their scale are exact in float); the native side sums integers exactly and then applies the
     * block scales in float, the reference adds 768 float products. Measured worst on a 2-core AMD EPYC (Zen 5,
     * AVX-512 VNNI, the only CPUs these kernels run on today): 2.0e-7 (Q4_K), 8.8e-8 (Q6_K, Q8_0 decode); a
     * misread quant in a row of 256 errs by ~1e-2.
     */
    private static final double BOUND = 2e-6;

    private static NativeKernels kernels;
    private static CpuBackend backend;

    @BeforeAll
    static void load() {
        NativeKernels.Availability availability = NativeKernels.load();
        assumeThat(availability.loaded()).as(availability.description()).isTrue();
        kernels = availability.kernels();
        backend = new CpuBackend(2, FloatVector.SPECIES_PREFERRED, availability);
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    /**
     * Where the build had a C compiler and the CPU has AVX-512, the library must load: otherwise a broken
     * native build would pass every test on the Vector API fallback unnoticed.
     */
    @Test
    void roundsActivationsExactlyAsTheScalarReference() {
        TestInputs inputs = new TestInputs();
        int columns = 1024;
        int rows = 9;
        float[] x = inputs.normal(rows * columns, 2.0);
        // Edge cases: a block of zeros, a block whose largest magnitude is negative and tied with a positive
        // one later (the first wins), a block of one repeated value, values halfway between two quants.
        Arrays.fill(x, 256, 512, 0f);
        x[600] = -50f;
        x[700] = 50f;
        Arrays.fill(x, 1024, 1280, 0.75f);
        for (int i = 1280; i < 1536; i++) {
            x[i] = (i % 7 - 3) * 0.5f;
        }
        x[1290] = 127f;
        byte[] quants = new byte[rows * columns];
        float[] scales = new float[rows * columns / 256];
        short[] sums = new short[rows * columns / 16];
        kernels.quantize(x, 0, rows, columns, quants, scales, sums);

        byte[] expectedQuants = new byte[quants.length];
        for (int b = 0; b < scales.length; b++) {
            float expectedScale = Q8_KRounding.round(x, b * 256, expectedQuants);
            assertThat(scales[b]).as("scale of block %d, %s", b, inputs.describe()).isEqualTo(expectedScale);
        }
        assertThat(quants).as(inputs.describe()).containsExactly(expectedQuants);
        for (int g = 0; g < sums.length; g++) {
            int sum = 0;
            for (int i = g * 16; i < g * 16 + 16; i++) {
                sum += expectedQuants[i];
            }
            assertThat(sums[g]).as("sum of group %d, %s", g, inputs.describe()).isEqualTo((short) sum);
        }
        assertThat(quants[600]).isEqualTo((byte) -127);
        assertThat(quants[700]).isEqualTo((byte) 127);
    }

    /**
     * Through the backend: rounding split by input rows, products split by output rows, the row kernel's
     * token tiles and tails, and the 16-token VNNI tiles, whole and partial.
     */
    @Test
    void multipliesQ4_KAndQ6_KLikeTheReferenceOnRoundedInputs() {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K}) {
                double worst = 0;
                for (int columns : new int[] {256, 768}) {
                    for (int outputs : new int[] {37, 70}) {
                        WeightTensor weight = WeightTensors.quantize(type, inputs.normal(outputs * columns, 1.0),
                                outputs, columns, arena);
                        backend.prepare(weight);
                        // From 16 tokens on, the VNNI tile kernels run: 37 leaves a partial last tile.
                        for (int rows : new int[] {1, 3, 8, 13, 16, 37, 64}) {
                            worst = Math.max(worst, check(weight, rows, inputs));
                        }
                    }
                }
                System.out.printf("native %s matmul: worst |Δ| / Σ|w·x| = %.2e%n", type, worst);
            }
        }
    }

    /** How the kernel under test rounds its activations: {@code roundInPlace(x, from, length)}. */
    @FunctionalInterface
    private interface Rounding {
        void roundInPlace(float[] x, int from, int length);
    }

    private static double check(WeightTensor weight, int rows, TestInputs inputs) {
        return check(weight, rows, inputs, Q8_KRounding::roundInPlace);
    }

    /**
     * One product through the backend against the reference on the inputs rounded as the kernel rounds them;
     * returns the worst |Δ| / Σ|w·x|.
     */
    private static double check(WeightTensor weight, int rows, TestInputs inputs, Rounding rounding) {
        int columns = weight.columns();
        int outputs = weight.rows();
        float[] input = inputs.normal(rows * columns, 1.0);
        float[] rounded = input.clone();
        rounding.roundInPlace(rounded, 0, rounded.length);
        float[] expected = TestInputs.poisoned(rows * outputs);
        float[] actual = TestInputs.poisoned(rows * outputs);
        REFERENCE.matmul(weight, rounded, rows, expected);
        backend.matmul(weight, input, rows, actual);
        String what = String.format("%s %d rows x %d columns -> %d, %s", weight.type(), rows, columns, outputs,
                inputs.describe());
        assertThat(actual).as("every output written, " + what).doesNotContain(Float.NaN);
        float[] row = new float[columns];
        double worst = 0;
        for (int o = 0; o < outputs; o++) {
            weight.dequantizeRow(o, row, 0);
            for (int r = 0; r < rows; r++) {
                double terms = 0;
                for (int c = 0; c < columns; c++) {
                    terms += Math.abs((double) row[c] * rounded[r * columns + c]);
                }
                double error = Math.abs(actual[r * outputs + o] - expected[r * outputs + o]) / terms;
                worst = Math.max(worst, error);
                assertThat(error).as("row %d output %d, %s", r, o, what).isLessThanOrEqualTo(BOUND);
            }
        }
        return worst;
    }

    /**
     * Decoding with Q8_0 weights: the backend's panels multiplied natively in int8 for up to 3 tokens, against
     * the reference on inputs rounded by {@link Q8_0Rounding}; row counts that leave a partial last panel.
     */
    @Test
    void decodesQ8_0PanelsLikeTheReferenceOnRoundedInputs() {
        PackedInt8 probe = PackedInt8.allocate(WeightTensors.quantize(GgmlType.Q8_0, new float[16 * 32], 16, 32,
                Arena.global()), 16);
        assumeThat(kernels.multipliesQ8_0Panels(probe)).as("a CPU with AVX-512 VNNI and VBMI").isTrue();
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            double worst = 0;
            for (int columns : new int[] {96, 1024}) {
                for (int outputs : new int[] {37, 70, 256}) {
                    WeightTensor weight = WeightTensors.quantize(GgmlType.Q8_0, inputs.normal(outputs * columns, 1.0),
                            outputs, columns, arena);
                    backend.prepare(weight);
                    for (int rows : new int[] {1, 2, 3}) {
                        worst = Math.max(worst, check(weight, rows, inputs, Q8_0Rounding::roundInPlace));
                    }
                }
            }
            System.out.printf("native Q8_0 panel decode: worst |Δ| / Σ|w·x| = %.2e%n", worst);
        }
    }

    /** A share of output rows writes those rows and no others (the pool hands each thread its own share). */
    @Test
    void writesOnlyItsShareOfRows() {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            int columns = 512;
            int outputs = 20;
            int tokens = 10;
            WeightTensor weight = WeightTensors.quantize(GgmlType.Q4_K, inputs.normal(outputs * columns, 1.0), outputs,
                    columns, arena);
            float[] input = inputs.normal(tokens * columns, 1.0);
            byte[] quants = new byte[tokens * columns];
            float[] scales = new float[tokens * columns / 256];
            short[] sums = new short[tokens * columns / 16];
            kernels.quantize(input, 0, tokens, columns, quants, scales, sums);
            float[] output = TestInputs.poisoned(tokens * outputs);
            kernels.multiply(GgmlType.Q4_K, weight.data(), columns, 5, 12, quants, scales, sums, tokens, output, outputs);
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < outputs; o++) {
                    float value = output[t * outputs + o];
                    assertThat(Float.isNaN(value)).as("token %d row %d", t, o).isEqualTo(o < 5 || o >= 12);
                }
            }
        }
    }

    /**
     * Decoding attention over an F16 cache (rows up to 4 run natively), against the reference: relative to
     * max |value|, the bound of the Vector API kernel (CpuBackendParityTest), since the error sources are the
     * same (float sums, a polynomial exp within 2e-7); measured worst 7.6e-7 here. Shapes cover 1 to 8 query
     * heads per key/value head, head sizes 16 to 128, and contexts of one position, part of a tile, whole
     * tiles, many blocks and several shares.
     */
    @Test
    void attendsLikeTheReferenceOverAnF16Cache() {
        TestInputs inputs = new TestInputs();
        double worst = 0;
        for (int[] shape : new int[][] {{4, 2, 16}, {16, 8, 64}, {16, 8, 128}, {32, 4, 128}, {6, 3, 32}}) {
            int heads = shape[0];
            int kvHeads = shape[1];
            int headDim = shape[2];
            int width = kvHeads * headDim;
            for (int blockSize : new int[] {16, 64}) {
                // 1100 positions: the context is split into shares whose softmax states are merged.
                for (int length : new int[] {1, 7, 64, 300, 1100}) {
                    try (AttentionCheck check = new AttentionCheck(inputs, width, 1200, KvDataType.F16, blockSize,
                            length)) {
                        for (int rows : new int[] {1, 3}) {
                            if (rows > length) {
                                continue;
                            }
                            String what = String.format("attention %d/%d heads x %d, blocks of %d", heads, kvHeads,
                                    headDim, blockSize);
                            worst = Math.max(worst, check.check(backend, rows, heads, headDim, inputs, ATTENTION_BOUND,
                                    what));
                        }
                    }
                }
            }
        }
        System.out.printf("native attention: worst |Δ| / max|v| = %.2e%n", worst);
    }

    private static final double ATTENTION_BOUND = 5e-6;
}
