package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;

/**
 * The native kernels against their scalar reference, for every instruction set this CPU runs ({@link
 * NativeKernels#supportedIsas()}: on an AVX-512 machine, the AVX-512, AVX-VNNI and AVX2 kernels alike):
 * activations rounded by {@link Q8_KRounding} or {@link Q8_0Rounding}, then the {@link ReferenceBackend}'s
 * product with the dequantized weights. Rounding must agree bit for bit; the products within float
 * summation error, since the native kernels add exact integer products and the reference adds float
 * products.
 */
class NativeKernelsTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /**
     * |native − reference| ≤ bound · Σ_c |w_c · x_c|. Both sides multiply the same exact values (int8 quants
     * times their scale are exact in float); the native side sums integers exactly and then applies the
     * block scales in float, the reference adds 768 float products. Measured worst on a 2-core AMD EPYC (Zen 5),
     * which runs all three sets: avx512 1.8e-7 (Q5_K), 1.6e-7 (Q4_K), 6.7e-8 (Q6_K, Q4_0), 6.1e-8 (Q8_0);
     * avxvnni and avx2 the same within 1.1e-7 (Q8_0 1.0e-7 there); a misread quant in a row of 256 errs by
     * ~1e-2.
     */
    private static final double BOUND = 2e-6;

    private static final Map<CpuIsa, CpuBackend> BACKENDS = new EnumMap<>(CpuIsa.class);

    /** The native instruction sets this CPU runs; none (every test skipped) where the library does not load. */
    static List<CpuIsa> isas() {
        return NativeKernels.supportedIsas();
    }

    private static CpuBackend backend(CpuIsa isa) {
        synchronized (BACKENDS) {
            return BACKENDS.computeIfAbsent(isa, i -> new CpuBackend(2, NativeKernels.load(i)));
        }
    }

    private static NativeKernels kernels(CpuIsa isa) {
        return NativeKernels.load(isa).kernels();
    }

    @AfterAll
    static void close() {
        BACKENDS.values().forEach(CpuBackend::close);
    }

    @Test
    void namesEveryInstructionSetAndRefusesUnknownOnes() {
        for (CpuIsa isa : CpuIsa.values()) {
            assertThat(CpuIsa.parse(isa.id().toUpperCase())).isEqualTo(isa);
        }
        assertThatThrownBy(() -> CpuIsa.parse("sse2")).hasMessageContaining("avx512, avxvnni, avx2 or vector");
        assertThat(CpuIsa.AVX2.species().vectorBitSize()).isLessThanOrEqualTo(256);
    }

    @ParameterizedTest
    @MethodSource("isas")
    void roundsActivationsToQ8_KExactlyAsTheScalarReference(CpuIsa isa) {
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
        kernels(isa).quantize(x, 0, rows, columns, quants, scales, sums);

        byte[] expectedQuants = new byte[quants.length];
        for (int b = 0; b < scales.length; b++) {
            float expectedScale = Q8_KRounding.round(x, b * 256, expectedQuants);
            assertThat(scales[b]).as("%s scale of block %d, %s", isa, b, inputs.describe()).isEqualTo(expectedScale);
        }
        assertThat(quants).as(isa + ", " + inputs.describe()).containsExactly(expectedQuants);
        for (int g = 0; g < sums.length; g++) {
            int sum = 0;
            for (int i = g * 16; i < g * 16 + 16; i++) {
                sum += expectedQuants[i];
            }
            assertThat(sums[g]).as("%s sum of group %d, %s", isa, g, inputs.describe()).isEqualTo((short) sum);
        }
        assertThat(quants[600]).isEqualTo((byte) -127);
        assertThat(quants[700]).isEqualTo((byte) 127);
    }

    /** Q8_0 rounding for Q8_0 and Q4_0 products: quants, scales and each block's sum of quants. */
    @ParameterizedTest
    @MethodSource("isas")
    void roundsActivationsToQ8_0ExactlyAsTheScalarReference(CpuIsa isa) {
        TestInputs inputs = new TestInputs();
        int columns = 96;
        int rows = 7;
        float[] x = inputs.normal(rows * columns, 3.0);
        // A block of zeros, one of a repeated value, one with halves (ties round to even), one tiny.
        Arrays.fill(x, 32, 64, 0f);
        Arrays.fill(x, 64, 96, -1.25f);
        for (int i = 96; i < 128; i++) {
            x[i] = (i % 9 - 4) * 0.5f;
        }
        for (int i = 128; i < 160; i++) {
            x[i] *= 1e-30f;
        }
        byte[] quants = new byte[rows * columns];
        float[] scales = new float[rows * columns / 32];
        short[] sums = new short[rows * columns / 32];
        // Rows 2..7 only: the row offset must land on the same rows of every array.
        kernels(isa).quantizeQ8_0(x, 2, rows, columns, quants, scales, sums);
        float[] expected = x.clone();
        Q8_0Rounding.roundInPlace(expected, 0, expected.length);
        for (int i = 2 * columns; i < rows * columns; i++) {
            assertThat(quants[i] * scales[i / 32]).as("%s value %d, %s", isa, i, inputs.describe())
                    .isEqualTo(expected[i]);
        }
        for (int b = 2 * columns / 32; b < sums.length; b++) {
            int sum = 0;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                sum += quants[i];
            }
            assertThat(sums[b]).as("%s sum of block %d", isa, b).isEqualTo((short) sum);
        }
        for (int i = 0; i < 2 * columns; i++) {
            assertThat(quants[i]).as("row outside the range written, %s", isa).isZero();
        }
    }

    /**
     * Through the backend: rounding split by input rows, products split by output row groups, token tiles and
     * their tails, row counts that leave a partial last group.
     */
    @ParameterizedTest
    @MethodSource("isas")
    void multipliesKQuantsLikeTheReferenceOnRoundedInputs(CpuIsa isa) {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                double worst = 0;
                for (int columns : new int[] {256, 768}) {
                    for (int outputs : new int[] {37, 70}) {
                        WeightTensor weight = WeightTensors.quantize(type, inputs.normal(outputs * columns, 1.0),
                                outputs, columns, arena);
                        backend(isa).prepare(weight);
                        // Token tiles are 4 (AVX2) or 8 (AVX-512), token blocks 64: 67 crosses one.
                        for (int rows : new int[] {1, 3, 5, 9, 16, 67}) {
                            worst = Math.max(worst, check(isa, weight, rows, inputs, Q8_KRounding::roundInPlace));
                        }
                    }
                }
                System.out.printf("native %s %s matmul: worst |Δ| / Σ|w·x| = %.2e%n", isa.id(), type, worst);
            }
        }
    }

    /**
     * Q8_0 and Q4_0 weights, whose products round their inputs to Q8_0: repacked into row groups and multiplied
     * for any number of tokens (Q8_0 on the AVX2 sets; on AVX-512, the Vector API's panels multiplied natively
     * for up to 3 tokens, decoding). Against the reference on inputs rounded by {@link Q8_0Rounding}; row
     * counts that leave a partial last group or panel.
     */
    @ParameterizedTest
    @MethodSource("isas")
    void multipliesQ8_0AndQ4_0LikeTheReferenceOnRoundedInputs(CpuIsa isa) {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
                int[] tokenCounts = isa == CpuIsa.AVX512 && type == GgmlType.Q8_0 ? new int[] {1, 2, 3}
                        : new int[] {1, 2, 3, 5, 16, 67};
                double worst = 0;
                for (int columns : new int[] {96, 1024}) {
                    for (int outputs : new int[] {37, 70, 256}) {
                        WeightTensor weight = WeightTensors.quantize(type, inputs.normal(outputs * columns, 1.0),
                                outputs, columns, arena);
                        backend(isa).prepare(weight);
                        for (int rows : tokenCounts) {
                            worst = Math.max(worst, check(isa, weight, rows, inputs, Q8_0Rounding::roundInPlace));
                        }
                    }
                }
                System.out.printf("native %s %s matmul: worst |Δ| / Σ|w·x| = %.2e%n", isa.id(), type, worst);
            }
        }
    }

    /** How the kernel under test rounds its activations: {@code roundInPlace(x, from, length)}. */
    @FunctionalInterface
    private interface Rounding {
        void roundInPlace(float[] x, int from, int length);
    }

    /**
     * One product through the backend against the reference on the inputs rounded as the kernel rounds them;
     * returns the worst |Δ| / Σ|w·x|.
     */
    private static double check(CpuIsa isa, WeightTensor weight, int rows, TestInputs inputs, Rounding rounding) {
        int columns = weight.columns();
        int outputs = weight.rows();
        float[] input = inputs.normal(rows * columns, 1.0);
        float[] rounded = input.clone();
        rounding.roundInPlace(rounded, 0, rounded.length);
        float[] expected = TestInputs.poisoned(rows * outputs);
        float[] actual = TestInputs.poisoned(rows * outputs);
        REFERENCE.matmul(weight, rounded, rows, expected);
        backend(isa).matmul(weight, input, rows, actual);
        String what = String.format("%s %s %d rows x %d columns -> %d, %s", isa.id(), weight.type(), rows, columns,
                outputs, inputs.describe());
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
     * A share of row groups writes those groups' rows and no others (the pool hands each thread its own
     * share), and a partial last group writes only the matrix's rows.
     */
    @ParameterizedTest
    @MethodSource("isas")
    void writesOnlyItsShareOfRows(CpuIsa isa) {
        TestInputs inputs = new TestInputs();
        NativeKernels kernels = kernels(isa);
        try (Arena arena = Arena.ofShared()) {
            int columns = 512;
            int tokens = 10;
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                WeightTensor weight = WeightTensors.quantize(type, inputs.normal(45 * columns, 1.0), 45, columns, arena);
                InterleavedWeights packed = kernels.allocate(weight);
                kernels.pack(weight, packed, 0, packed.groups());
                int r = packed.rowsPerGroup();
                float[] input = inputs.normal(tokens * columns, 1.0);
                byte[] quants = new byte[tokens * columns];
                float[] scales = new float[tokens * columns / 256];
                short[] sums = new short[tokens * columns / 16];
                kernels.quantize(input, 0, tokens, columns, quants, scales, sums);
                // Group 1 alone, then the last (partial) group alone: 45 rows end inside a group of 8 or 16.
                for (int group : new int[] {1, packed.groups() - 1}) {
                    float[] output = TestInputs.poisoned(tokens * 45 + 7);
                    kernels.multiply(packed, group, group + 1, quants, scales, sums, tokens, output, 45);
                    for (int t = 0; t < tokens; t++) {
                        for (int o = 0; o < 45; o++) {
                            boolean mine = o >= group * r && o < (group + 1) * r;
                            assertThat(Float.isNaN(output[t * 45 + o])).as("%s %s token %d row %d", isa, type, t, o)
                                    .isEqualTo(!mine);
                        }
                    }
                    for (int i = tokens * 45; i < output.length; i++) {
                        assertThat(output[i]).as("%s %s past the last row", isa, type).isNaN();
                    }
                }
            }
        }
    }

    static Stream<Arguments> attentionCases() {
        return isas().stream().flatMap(isa -> Stream.of(Arguments.of(isa, KvDataType.F16),
                Arguments.of(isa, KvDataType.Q8_0)));
    }

    /**
     * Attention over an F16 or Q8_0 cache (decoding: up to 4 rows; prefill: more), against the reference (which
     * reads the same stored values): relative to max |value|, the bound of the Vector API kernel
     * (CpuBackendParityTest), since the error sources are the same (float sums, a polynomial exp within
     * 2e-7); measured worst on the same machine 1.3e-6 to 2.0e-6 on each set and cache type. Shapes cover 1 to
     * 8 query heads per key/value head, head sizes 16 (F16 only) to 128, and contexts of one position, part of
     * a tile, whole tiles, many blocks and several shares.
     */
    @ParameterizedTest
    @MethodSource("attentionCases")
    void attendsLikeTheReferenceOverTheCache(CpuIsa isa, KvDataType type) {
        TestInputs inputs = new TestInputs();
        double worst = 0;
        for (int[] shape : new int[][] {{4, 2, 16}, {16, 8, 64}, {16, 8, 128}, {32, 4, 128}, {6, 3, 32}}) {
            int heads = shape[0];
            int kvHeads = shape[1];
            int headDim = shape[2];
            int width = kvHeads * headDim;
            if (!NativeKernels.attends(type, heads, headDim)) {
                continue;
            }
            for (int blockSize : new int[] {16, 64}) {
                // 1100 positions: the context is split into shares whose softmax states are merged.
                for (int length : new int[] {1, 7, 64, 300, 1100}) {
                    try (AttentionCheck check = new AttentionCheck(inputs, width, 1200, type, blockSize, length)) {
                        // Up to 4 rows: the decode kernel; more: the prefill kernel (tiles of 64 positions, row
                        // blocks of 16 to 64 per task).
                        for (int rows : new int[] {1, 3, 5, 70}) {
                            // 70 rows over 1100 positions takes the scalar reference seconds: up to 300 suffices.
                            if (rows > length || (rows > 5 && length > 300)) {
                                continue;
                            }
                            String what = String.format("%s %s attention %d/%d heads x %d, blocks of %d", isa.id(),
                                    type, heads, kvHeads, headDim, blockSize);
                            worst = Math.max(worst, check.check(backend(isa), rows, heads, headDim, inputs,
                                    ATTENTION_BOUND, what));
                        }
                    }
                }
            }
        }
        System.out.printf("native %s %s attention: worst |Δ| / max|v| = %.2e%n", isa.id(), type, worst);
    }

    private static final double ATTENTION_BOUND = 5e-6;
}
