package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;
import dev.lectern.testing.KernelPaths;

/**
 * Every operation of {@link CpuBackend} against {@link ReferenceBackend} on fresh random inputs, on every kernel
 * path this machine runs ({@link KernelPaths#withNarrowVectors()}: every native instruction set the CPU runs,
 * the Vector API at the preferred width and at 256 bits), on odd sizes that leave vector tails, with outputs poisoned with
 * NaN. Where a path's native int8 kernels round a product's activations ({@link CpuBackend#inputRounding}), the
 * reference multiplies the same rounded activations. Results are compared within bounds measured on a 2-core
 * AMD EPYC (Zen 5, AVX-512) on all five paths (see each bound's comment); they are bounds on float summation
 * order, which no CPU changes by more than the order itself: the backends add in different orders, so floats
 * differ in the last bits.
 */
class CpuBackendParityTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final List<CpuBackend> OPENED = new ArrayList<>();

    /**
     * Matmul: |cpu − reference| ≤ bound · Σ_c |w_c · x_c|, the scale of the terms being added. Relative to
     * the result itself there is no bound (random dot products cancel to near zero); relative to the terms,
     * float summation in any order errs by at most ~n·2^-24 and typically ~√n·2^-24 (2e-6 at n = 1029).
     * Both backends use exactly the same dequantized weights (d·q and d·scale·q are exact in float), so the
     * only difference is the order of additions (and, for Q4_K/Q5_K, min·Σx subtracted once per sub-block).
     * Measured worst over repeated runs, up to 1029 columns, both widths: 2.6e-7 (F16), 2.2e-7 (F32, BF16,
     * Q4_K), 1.8e-7 (Q5_K), 1.4e-7 (Q8_0), 1.1e-7 (Q4_0), 9e-8 (Q6_K); with every path in one run (2-core AMD
     * EPYC Zen 5): native-avx512 2.9e-7, native-avxvnni 2.6e-7, native-avx2 2.8e-7, vector-512 and vector-256
     * 3.9e-7 (where the native int8 kernels run, against the reference on the same rounded inputs: both then
     * multiply exact values). One bound for all,
     * ~6× the worst: a kernel that misreads one weight in a row of 256 errs by ~1e-2 and is far outside it.
     */
    private static double matmulBound(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> 2e-6;
            default -> throw new IllegalArgumentException(type + " has no kernel");
        };
    }

    /**
     * RMSNorm, relative per element: the scale comes from a float (the reference: double) sum of squares,
     * then the same float products. Measured worst 3.1e-7 (about 3 ulp), the same on all three paths; bound ~6×.
     */
    private static final double NORM_BOUND = 2e-6;
    /**
     * Softmax and SwiGLU, relative per element: the vector exp is within an ulp of Math.exp rounded to float
     * (SwiGLU measured identical), and softmax sums in float. Measured worst 1.7e-7, all paths; bound ~6×.
     */
    private static final double EXP_BOUND = 1e-6;
    /**
     * Attention, relative to max |value|: scores are summed in float (the reference: double), exp differs
     * by an ulp, and the weighted sum of up to 300 values is added in another order. Measured worst 5.7e-7
     * on the Vector API; in one run of every path (2-core AMD EPYC Zen 5): 1.2e-6 on the three native sets,
     * up to 1.4e-6 on the Vector API; 2.0e-6 once natively (decode rows over an F16 cache); bound 2.5× that.
     */
    private static final double ATTENTION_BOUND = 5e-6;

    /** One backend per kernel path this machine runs ({@link KernelPaths#withNarrowVectors()}), named after it. */
    static Stream<Named<CpuBackend>> backends() {
        return KernelPaths.withNarrowVectors().stream().map(path -> {
            synchronized (OPENED) {
                CpuBackend backend = path.open(2);
                OPENED.add(backend);
                return Named.of(path.name(), backend);
            }
        });
    }

    @AfterAll
    static void closeBackends() {
        synchronized (OPENED) {
            OPENED.forEach(CpuBackend::close);
            OPENED.clear();
        }
    }

    private static final GgmlType[] TYPES = {
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K,
        GgmlType.Q6_K
    };

    /** Row lengths per type: not multiples of the vector length where the block size allows it. */
    private static int[] columnsFor(GgmlType type) {
        return switch (type.blockSize()) {
            case 1 -> new int[] {19, 67, 1029};
            case 32 -> new int[] {96, 352};
            default -> new int[] {256, 768};
        };
    }

    /**
     * Every weight type, read in place and, where the backend repacks the type ({@link CpuBackend#prepare}),
     * repacked: row counts that leave a padded last panel (37) and that reach the 4-panel decode path (70),
     * token counts that take the 8-token prefill tile, its leftovers, and single tokens.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void matmulMatchesTheReferenceForEveryWeightType(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : TYPES) {
                double worst = 0;
                for (int columns : columnsFor(type)) {
                    for (int outputs : new int[] {37, 70}) {
                        WeightTensor weight = WeightTensors.quantize(type, inputs.normal(outputs * columns, 1.0),
                                outputs, columns, arena);
                        worst = Math.max(worst, checkMatmul(cpu, weight, inputs, "in place"));
                        cpu.prepare(weight);
                        worst = Math.max(worst, checkMatmul(cpu, weight, inputs, "prepared"));
                    }
                }
                System.out.printf("%s matmul %s: worst |Δ| / Σ|w·x| = %.2e%n", cpu.name(), type, worst);
            }
        }
    }

    private static double checkMatmul(CpuBackend cpu, WeightTensor weight, TestInputs inputs, String layout) {
        int outputs = weight.rows();
        int columns = weight.columns();
        float[][] dequantized = new float[outputs][columns];
        for (int o = 0; o < outputs; o++) {
            weight.dequantizeRow(o, dequantized[o], 0);
        }
        double worst = 0;
        for (int rows : new int[] {1, 3, 7, 13, 64}) {
            float[] input = inputs.normal(rows * columns, 1.0);
            // Where the path's native int8 kernels round the activations, the reference gets them rounded too.
            float[] rounded = input.clone();
            cpu.inputRounding(weight, rows).roundInPlace(rounded, 0, rounded.length);
            float[] expected = TestInputs.poisoned(rows * outputs);
            float[] actual = TestInputs.poisoned(rows * outputs);
            REFERENCE.matmul(weight, rounded, rows, expected);
            cpu.matmul(weight, input, rows, actual);
            String what = String.format("%s %s %s (inputs rounded: %s), %d rows x %d columns -> %d, %s", cpu.name(),
                    weight.type(), layout, cpu.inputRounding(weight, rows), rows, columns, outputs, inputs.describe());
            assertThat(actual).as("every output written, " + what).doesNotContain(Float.NaN);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < outputs; o++) {
                    double terms = 0;
                    for (int c = 0; c < columns; c++) {
                        terms += Math.abs((double) dequantized[o][c] * rounded[r * columns + c]);
                    }
                    double error = Math.abs(actual[r * outputs + o] - expected[r * outputs + o]) / terms;
                    worst = Math.max(worst, error);
                    assertThat(error).as("row %d output %d, %s", r, o, what)
                            .isLessThanOrEqualTo(matmulBound(weight.type()));
                }
            }
        }
        return worst;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void embedCopiesTheSameRowsAsTheReference(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : TYPES) {
                int columns = columnsFor(type)[0];
                int vocabulary = 50;
                WeightTensor table = WeightTensors.quantize(type, inputs.normal(vocabulary * columns, 1.0), vocabulary,
                        columns, arena);
                int[] tokens = {3, 49, 0, 3, inputs.nextInt(vocabulary)};
                float[] expected = TestInputs.poisoned(tokens.length * columns);
                float[] actual = TestInputs.poisoned(tokens.length * columns);
                REFERENCE.embed(table, tokens, expected);
                cpu.embed(table, tokens, actual);
                assertThat(actual).as("%s %s, %s", cpu.name(), type, inputs.describe()).containsExactly(expected);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rmsNormMatchesTheReference(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int width : new int[] {16, 67, 1029}) {
            for (int rows : new int[] {1, 3, 7, 64}) {
                float[] input = inputs.normal(rows * width, 3.0);
                float[] weight = inputs.normal(width, 1.0);
                float[] expected = TestInputs.poisoned(rows * width);
                float[] actual = TestInputs.poisoned(rows * width);
                REFERENCE.rmsNorm(input, rows, width, weight, 1e-6f, expected);
                cpu.rmsNorm(input, rows, width, weight, 1e-6f, actual);
                assertClose(actual, expected, NORM_BOUND, "%s rmsNorm %d x %d, %s", cpu.name(), rows, width,
                        inputs.describe());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void headRmsNormMatchesTheReference(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int[] shape : new int[][] {{4, 16}, {2, 16}, {16, 64}, {8, 128}, {3, 20}}) {
            int heads = shape[0];
            int headDim = shape[1];
            for (int rows : new int[] {1, 3, 7, 64}) {
                float[] expected = inputs.normal(rows * heads * headDim, 2.0);
                float[] actual = expected.clone();
                float[] weight = inputs.normal(headDim, 1.0);
                REFERENCE.headRmsNorm(expected, rows, heads, headDim, weight, 1e-6f);
                cpu.headRmsNorm(actual, rows, heads, headDim, weight, 1e-6f);
                assertClose(actual, expected, NORM_BOUND, "%s headRmsNorm %d rows x %d heads x %d, %s", cpu.name(), rows,
                        heads, headDim, inputs.describe());
            }
        }
    }

    /** RoPE is bit-identical: the same double angles rounded once, and the same float products, unfused. */
    @ParameterizedTest
    @MethodSource("backends")
    void ropeMatchesTheReferenceExactly(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int[] shape : new int[][] {{4, 16}, {2, 16}, {16, 64}, {8, 128}, {3, 20}}) {
            int heads = shape[0];
            int headDim = shape[1];
            for (int rows : new int[] {1, 3, 7, 64}) {
                int start = inputs.nextInt(400);
                int[] positions = new int[rows];
                for (int r = 0; r < rows; r++) {
                    positions[r] = start + r;
                }
                float[] expected = inputs.normal(rows * heads * headDim, 1.0);
                float[] actual = expected.clone();
                REFERENCE.rope(expected, rows, heads, headDim, positions, 1_000_000f);
                cpu.rope(actual, rows, heads, headDim, positions, 1_000_000f);
                assertThat(actual).as("%s rope %d rows from position %d, %d heads x %d, %s", cpu.name(), rows, start,
                        heads, headDim, inputs.describe()).containsExactly(expected);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void swigluMatchesTheReference(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int length : new int[] {1, 15, 67, 3072 + 5}) {
            float[] gate = inputs.normal(length, 4.0);
            float[] up = inputs.normal(length, 1.0);
            float[] expected = TestInputs.poisoned(length);
            float[] actual = TestInputs.poisoned(length);
            REFERENCE.swiglu(gate, up, length, expected);
            cpu.swiglu(gate, up, length, actual);
            assertClose(actual, expected, EXP_BOUND, "%s swiglu of %d, %s", cpu.name(), length, inputs.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void addIsExact(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int length : new int[] {1, 15, 67, 1029}) {
            float[] expected = inputs.normal(length, 1.0);
            float[] actual = expected.clone();
            float[] addend = inputs.normal(length + 3, 1.0);
            REFERENCE.add(expected, addend, length);
            cpu.add(actual, addend, length);
            assertThat(actual).as("%s add of %d, %s", cpu.name(), length, inputs.describe()).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxMatchesTheReferenceAndLeavesTheRestAlone(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int length : new int[] {1, 15, 67, 1029}) {
            for (double spread : new double[] {1.0, 1000.0}) {
                int offset = 5;
                float[] expected = inputs.normal(offset + length + 7, spread);
                float[] actual = expected.clone();
                REFERENCE.softmax(expected, offset, length);
                cpu.softmax(actual, offset, length);
                assertThat(Arrays.copyOfRange(actual, 0, offset)).containsExactly(Arrays.copyOfRange(expected, 0, offset));
                assertThat(Arrays.copyOfRange(actual, offset + length, actual.length))
                        .containsExactly(Arrays.copyOfRange(expected, offset + length, expected.length));
                assertClose(actual, expected, EXP_BOUND, "%s softmax of %d, spread %s, %s", cpu.name(), length, spread,
                        inputs.describe());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void attentionMatchesTheReferenceOverPagedKv(CpuBackend cpu) {
        TestInputs inputs = new TestInputs();
        for (int[] shape : new int[][] {{4, 2, 16}, {16, 8, 64}, {16, 8, 128}, {6, 3, 20}}) {
            int heads = shape[0];
            int kvHeads = shape[1];
            int headDim = shape[2];
            int width = kvHeads * headDim;
            for (KvDataType dataType : KvDataType.values()) {
                if (dataType == KvDataType.Q8_0 && width % 32 != 0) {
                    continue;
                }
                for (int length : new int[] {1, 7, 64, 300}) {
                    // Block size 16: sequences span several blocks, as paged reads must handle.
                    try (AttentionCheck check = new AttentionCheck(inputs, width, 512, dataType, 16, length)) {
                        for (int rows : new int[] {1, 3, 7, 40}) {
                            if (rows > length) {
                                continue;
                            }
                            String what = String.format("%s attention %d/%d heads x %d, %s KV", cpu.name(), heads,
                                    kvHeads, headDim, dataType);
                            double worst = check.check(cpu, rows, heads, headDim, inputs, ATTENTION_BOUND, what);
                            System.out.printf("%s, %d rows ending at %d: worst |Δ| / max|v| %.2e%n", what, rows,
                                    length - 1, worst);
                        }
                    }
                }
            }
        }
    }

    /** |actual − expected| ≤ bound · max(|expected|, 1e-30), element by element, and nothing left unwritten. */
    private static void assertClose(float[] actual, float[] expected, double bound, String format, Object... args) {
        String what = String.format(format, args);
        assertThat(actual).as("every output written, " + what).doesNotContain(Float.NaN);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double error = Math.abs((double) actual[i] - expected[i]);
            worst = Math.max(worst, error / Math.max(Math.abs(expected[i]), 1e-30));
            assertThat(error).as("element %d: %s vs reference %s, %s", i, actual[i], expected[i], what)
                    .isLessThanOrEqualTo(bound * Math.max(Math.abs(expected[i]), 1e-30));
        }
        System.out.printf("%s: worst relative error %.2e%n", what.substring(0, what.indexOf(", seed")), worst);
    }
}
