package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.B2F;

import java.lang.invoke.MethodHandles;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix products with {@link PackedInt8} weights (Q8_0 and Q6_K; a "block" here is one scale's group of
 * columns). Every loop is the same broadcast-FMA: a byte-vector
 * load gives one column of a panel's rows, x[k] is broadcast, and the accumulator holds consecutive
 * outputs, so nothing is reduced across lanes.
 *
 * <p>Prefill runs tiles of 8 tokens × 2 panels (16 accumulators): each dequantized weight vector (scaled
 * once) serves 8 tokens from registers. Decode and leftover tokens run one token × 4 panels, summing
 * each block unscaled and scaling once per block, as ggml does. A species template
 * ({@link SpeciesBinding}).
 */
final class PackedInt8Matmul implements PanelMatmul<PackedInt8> {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = SpeciesBinding.bytes(F);
    private static final int L = F.length();
    private static final int TOKENS = 8;

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void multiply(PackedInt8 weight, float[] input, int rows, float[] subBlockSums, float[] output, int firstPanel,
                         int endPanel) {
        if (weight.lanes() != L) {
            throw new IllegalArgumentException("weights packed in panels of " + weight.lanes() + " rows, kernel reads " + L);
        }
        int t = 0;
        for (; t + TOKENS <= rows; t += TOKENS) {
            int p = firstPanel;
            for (; p + 2 <= endPanel; p += 2) {
                tile8x2(weight, input, t, output, p);
            }
            for (; p < endPanel; p++) {
                for (int u = t; u < t + TOKENS; u++) {
                    token1x1(weight, input, u, output, p);
                }
            }
        }
        for (; t < rows; t++) {
            int p = firstPanel;
            for (; p + 4 <= endPanel; p += 4) {
                token1x4(weight, input, t, output, p);
            }
            for (; p < endPanel; p++) {
                token1x1(weight, input, t, output, p);
            }
        }
    }

    private static void tile8x2(PackedInt8 weight, float[] x, int token, float[] output, int panel) {
        byte[] q = weight.quants();
        float[] s = weight.scales();
        int columns = weight.columns();
        int group = weight.group();
        int blocks = columns / group;
        int x0 = token * columns;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector b4 = FloatVector.zero(F), b5 = FloatVector.zero(F), b6 = FloatVector.zero(F), b7 = FloatVector.zero(F);
        int blockA = panel * blocks;
        int blockB = blockA + blocks;
        for (int b = 0; b < blocks; b++) {
            FloatVector scaleA = FloatVector.fromArray(F, s, (blockA + b) * L);
            FloatVector scaleB = FloatVector.fromArray(F, s, (blockB + b) * L);
            int qa = (blockA + b) * group * L;
            int qb = (blockB + b) * group * L;
            int xk = x0 + b * group;
            for (int k = 0; k < group; k++, xk++, qa += L, qb += L) {
                FloatVector wa = ((FloatVector) ByteVector.fromArray(B, q, qa).convertShape(B2F, F, 0)).mul(scaleA);
                FloatVector wb = ((FloatVector) ByteVector.fromArray(B, q, qb).convertShape(B2F, F, 0)).mul(scaleB);
                FloatVector v = FloatVector.broadcast(F, x[xk]);
                a0 = wa.fma(v, a0);
                b0 = wb.fma(v, b0);
                v = FloatVector.broadcast(F, x[xk + columns]);
                a1 = wa.fma(v, a1);
                b1 = wb.fma(v, b1);
                v = FloatVector.broadcast(F, x[xk + 2 * columns]);
                a2 = wa.fma(v, a2);
                b2 = wb.fma(v, b2);
                v = FloatVector.broadcast(F, x[xk + 3 * columns]);
                a3 = wa.fma(v, a3);
                b3 = wb.fma(v, b3);
                v = FloatVector.broadcast(F, x[xk + 4 * columns]);
                a4 = wa.fma(v, a4);
                b4 = wb.fma(v, b4);
                v = FloatVector.broadcast(F, x[xk + 5 * columns]);
                a5 = wa.fma(v, a5);
                b5 = wb.fma(v, b5);
                v = FloatVector.broadcast(F, x[xk + 6 * columns]);
                a6 = wa.fma(v, a6);
                b6 = wb.fma(v, b6);
                v = FloatVector.broadcast(F, x[xk + 7 * columns]);
                a7 = wa.fma(v, a7);
                b7 = wb.fma(v, b7);
            }
        }
        int outputs = weight.rows();
        int rowA = panel * L;
        int rowB = rowA + L;
        int o = token * outputs;
        store(a0, output, o, rowA, outputs);
        store(b0, output, o, rowB, outputs);
        o += outputs;
        store(a1, output, o, rowA, outputs);
        store(b1, output, o, rowB, outputs);
        o += outputs;
        store(a2, output, o, rowA, outputs);
        store(b2, output, o, rowB, outputs);
        o += outputs;
        store(a3, output, o, rowA, outputs);
        store(b3, output, o, rowB, outputs);
        o += outputs;
        store(a4, output, o, rowA, outputs);
        store(b4, output, o, rowB, outputs);
        o += outputs;
        store(a5, output, o, rowA, outputs);
        store(b5, output, o, rowB, outputs);
        o += outputs;
        store(a6, output, o, rowA, outputs);
        store(b6, output, o, rowB, outputs);
        o += outputs;
        store(a7, output, o, rowA, outputs);
        store(b7, output, o, rowB, outputs);
    }

    private static void token1x4(PackedInt8 weight, float[] x, int token, float[] output, int panel) {
        byte[] q = weight.quants();
        float[] s = weight.scales();
        int columns = weight.columns();
        int group = weight.group();
        int blocks = columns / group;
        int panelStride = blocks * group * L;
        int x0 = token * columns;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int block = panel * blocks + b;
            int q0 = block * group * L;
            int xk = x0 + b * group;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (int k = 0; k < group; k++, xk++, q0 += L) {
                FloatVector v = FloatVector.broadcast(F, x[xk]);
                s0 = ((FloatVector) ByteVector.fromArray(B, q, q0).convertShape(B2F, F, 0)).fma(v, s0);
                s1 = ((FloatVector) ByteVector.fromArray(B, q, q0 + panelStride).convertShape(B2F, F, 0)).fma(v, s1);
                s2 = ((FloatVector) ByteVector.fromArray(B, q, q0 + 2 * panelStride).convertShape(B2F, F, 0)).fma(v, s2);
                s3 = ((FloatVector) ByteVector.fromArray(B, q, q0 + 3 * panelStride).convertShape(B2F, F, 0)).fma(v, s3);
            }
            a0 = s0.fma(FloatVector.fromArray(F, s, block * L), a0);
            a1 = s1.fma(FloatVector.fromArray(F, s, (block + blocks) * L), a1);
            a2 = s2.fma(FloatVector.fromArray(F, s, (block + 2 * blocks) * L), a2);
            a3 = s3.fma(FloatVector.fromArray(F, s, (block + 3 * blocks) * L), a3);
        }
        int outputs = weight.rows();
        int o = token * outputs;
        store(a0, output, o, panel * L, outputs);
        store(a1, output, o, (panel + 1) * L, outputs);
        store(a2, output, o, (panel + 2) * L, outputs);
        store(a3, output, o, (panel + 3) * L, outputs);
    }

    private static void token1x1(PackedInt8 weight, float[] x, int token, float[] output, int panel) {
        byte[] q = weight.quants();
        float[] s = weight.scales();
        int columns = weight.columns();
        int group = weight.group();
        int blocks = columns / group;
        int x0 = token * columns;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int block = panel * blocks + b;
            int q0 = block * group * L;
            int xk = x0 + b * group;
            FloatVector even = FloatVector.zero(F);
            FloatVector odd = FloatVector.zero(F);
            for (int k = 0; k < group; k += 2, xk += 2, q0 += 2 * L) {
                even = ((FloatVector) ByteVector.fromArray(B, q, q0).convertShape(B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xk]), even);
                odd = ((FloatVector) ByteVector.fromArray(B, q, q0 + L).convertShape(B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xk + 1]), odd);
            }
            acc = even.add(odd).fma(FloatVector.fromArray(F, s, block * L), acc);
        }
        store(acc, output, token * weight.rows(), panel * L, weight.rows());
    }

    /** Stores the outputs of rows row..row+L-1 of one token, fewer in the padded last panel. */
    private static void store(FloatVector values, float[] output, int tokenStart, int row, int outputs) {
        if (row + L <= outputs) {
            values.intoArray(output, tokenStart + row);
        } else if (row < outputs) {
            values.intoArray(output, tokenStart + row, F.indexInRange(0, outputs - row));
        }
    }
}
