package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2I;

import java.lang.invoke.MethodHandles;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix products with {@link PackedQ4_K} weights. One byte-vector load gives a column pair of a panel's
 * rows (two nibbles each); the bytes are widened to ints first, where x86 has the shift and mask the
 * nibbles need (a byte-lane shift has no instruction and cost ~2x here).
 *
 * <p>Prefill runs tiles of 8 tokens × 1 panel: each sub-block's weights are dequantized in registers
 * (step · q − shift, one FMA) and serve 8 tokens. Decode runs one token × 2 panels and keeps the
 * sub-block sums unscaled: Σ w·x = step · Σ q·x − shift · Σ x, with Σ x per 32 inputs computed once per
 * call by the backend. A species template ({@link SpeciesBinding}).
 */
final class PackedQ4_KMatmul implements PanelMatmul<PackedQ4_K> {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = SpeciesBinding.bytes(F);
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
    private static final int BLOCK = 256;
    private static final int TOKENS = 8;

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void multiply(PackedQ4_K weight, float[] input, int rows, float[] subBlockSums, float[] output,
                         int firstPanel, int endPanel) {
        if (weight.lanes() != L) {
            throw new IllegalArgumentException("weights packed in panels of " + weight.lanes() + " rows, kernel reads " + L);
        }
        int t = 0;
        for (; t + TOKENS <= rows; t += TOKENS) {
            for (int p = firstPanel; p < endPanel; p++) {
                tile8(weight, input, t, output, p);
            }
        }
        for (; t < rows; t++) {
            int p = firstPanel;
            for (; p + 2 <= endPanel; p += 2) {
                token(weight, input, subBlockSums, t, output, p, true);
            }
            if (p < endPanel) {
                token(weight, input, subBlockSums, t, output, p, false);
            }
        }
    }

    private static void tile8(PackedQ4_K weight, float[] x, int token, float[] output, int panel) {
        byte[] q = weight.quants();
        int columns = weight.columns();
        int blocks = columns / BLOCK;
        int x0 = token * columns;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int panelBlock = panel * blocks + b;
            FloatVector d = FloatVector.fromArray(F, weight.d(), panelBlock * L);
            FloatVector dmin = FloatVector.fromArray(F, weight.dmin(), panelBlock * L);
            for (int c = 0; c < 4; c++) {
                FloatVector stepLow = d.mul(code(weight.scaleCodes(), (panelBlock * 8 + 2 * c) * L));
                FloatVector stepHigh = d.mul(code(weight.scaleCodes(), (panelBlock * 8 + 2 * c + 1) * L));
                FloatVector shiftLow = dmin.mul(code(weight.minCodes(), (panelBlock * 8 + 2 * c) * L)).neg();
                FloatVector shiftHigh = dmin.mul(code(weight.minCodes(), (panelBlock * 8 + 2 * c + 1) * L)).neg();
                int qi = (panelBlock * 128 + c * 32) * L;
                int xl = x0 + b * BLOCK + 64 * c;
                for (int k = 0; k < 32; k++, qi += L, xl++) {
                    IntVector pair = (IntVector) ByteVector.fromArray(B, q, qi).convertShape(ZERO_EXTEND_B2I, I, 0);
                    FloatVector low = ((FloatVector) pair.and(0x0F).convert(I2F, 0)).fma(stepLow, shiftLow);
                    FloatVector high = ((FloatVector) pair.lanewise(LSHR, 4).convert(I2F, 0)).fma(stepHigh, shiftHigh);
                    int xh = xl + 32;
                    a0 = high.fma(FloatVector.broadcast(F, x[xh]), low.fma(FloatVector.broadcast(F, x[xl]), a0));
                    a1 = high.fma(FloatVector.broadcast(F, x[xh + columns]), low.fma(FloatVector.broadcast(F, x[xl + columns]), a1));
                    a2 = high.fma(FloatVector.broadcast(F, x[xh + 2 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 2 * columns]), a2));
                    a3 = high.fma(FloatVector.broadcast(F, x[xh + 3 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 3 * columns]), a3));
                    a4 = high.fma(FloatVector.broadcast(F, x[xh + 4 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 4 * columns]), a4));
                    a5 = high.fma(FloatVector.broadcast(F, x[xh + 5 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 5 * columns]), a5));
                    a6 = high.fma(FloatVector.broadcast(F, x[xh + 6 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 6 * columns]), a6));
                    a7 = high.fma(FloatVector.broadcast(F, x[xh + 7 * columns]),
                            low.fma(FloatVector.broadcast(F, x[xl + 7 * columns]), a7));
                }
            }
        }
        int outputs = weight.rows();
        int row = panel * L;
        int o = token * outputs;
        store(a0, output, o, row, outputs);
        store(a1, output, o + outputs, row, outputs);
        store(a2, output, o + 2 * outputs, row, outputs);
        store(a3, output, o + 3 * outputs, row, outputs);
        store(a4, output, o + 4 * outputs, row, outputs);
        store(a5, output, o + 5 * outputs, row, outputs);
        store(a6, output, o + 6 * outputs, row, outputs);
        store(a7, output, o + 7 * outputs, row, outputs);
    }

    /** One token against one panel, or two neighbouring panels at once (independent chains for the FMA units). */
    private static void token(PackedQ4_K weight, float[] x, float[] sums, int token, float[] output, int panel,
                              boolean two) {
        byte[] q = weight.quants();
        int columns = weight.columns();
        int blocks = columns / BLOCK;
        int x0 = token * columns;
        int s0 = token * (columns / 32);
        int nextPanel = blocks * 128 * L;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int panelBlock = panel * blocks + b;
            for (int c = 0; c < 4; c++) {
                FloatVector lowA = FloatVector.zero(F), highA = FloatVector.zero(F);
                FloatVector lowB = FloatVector.zero(F), highB = FloatVector.zero(F);
                int qi = (panelBlock * 128 + c * 32) * L;
                int xl = x0 + b * BLOCK + 64 * c;
                for (int k = 0; k < 32; k++, qi += L, xl++) {
                    FloatVector vl = FloatVector.broadcast(F, x[xl]);
                    FloatVector vh = FloatVector.broadcast(F, x[xl + 32]);
                    IntVector pair = (IntVector) ByteVector.fromArray(B, q, qi).convertShape(ZERO_EXTEND_B2I, I, 0);
                    lowA = ((FloatVector) pair.and(0x0F).convert(I2F, 0)).fma(vl, lowA);
                    highA = ((FloatVector) pair.lanewise(LSHR, 4).convert(I2F, 0)).fma(vh, highA);
                    if (two) {
                        IntVector pairB = (IntVector) ByteVector.fromArray(B, q, qi + nextPanel)
                                .convertShape(ZERO_EXTEND_B2I, I, 0);
                        lowB = ((FloatVector) pairB.and(0x0F).convert(I2F, 0)).fma(vl, lowB);
                        highB = ((FloatVector) pairB.lanewise(LSHR, 4).convert(I2F, 0)).fma(vh, highB);
                    }
                }
                int sub = s0 + b * 8 + 2 * c;
                accA = finish(weight, panelBlock, c, lowA, highA, sums[sub], sums[sub + 1], accA);
                if (two) {
                    accB = finish(weight, panelBlock + blocks, c, lowB, highB, sums[sub], sums[sub + 1], accB);
                }
            }
        }
        int outputs = weight.rows();
        store(accA, output, token * outputs, panel * L, outputs);
        if (two) {
            store(accB, output, token * outputs, (panel + 1) * L, outputs);
        }
    }

    /** acc + step_low · Σq·x_low − shift_low · Σx_low + the same for the high sub-block of chunk c. */
    private static FloatVector finish(PackedQ4_K weight, int panelBlock, int c, FloatVector low, FloatVector high,
                                      float sumLow, float sumHigh, FloatVector acc) {
        FloatVector d = FloatVector.fromArray(F, weight.d(), panelBlock * L);
        FloatVector dmin = FloatVector.fromArray(F, weight.dmin(), panelBlock * L);
        int sl = (panelBlock * 8 + 2 * c) * L;
        acc = low.fma(d.mul(code(weight.scaleCodes(), sl)), acc);
        acc = high.fma(d.mul(code(weight.scaleCodes(), sl + L)), acc);
        acc = dmin.mul(code(weight.minCodes(), sl)).fma(FloatVector.broadcast(F, -sumLow), acc);
        return dmin.mul(code(weight.minCodes(), sl + L)).fma(FloatVector.broadcast(F, -sumHigh), acc);
    }

    private static FloatVector code(byte[] codes, int at) {
        return (FloatVector) ByteVector.fromArray(B, codes, at).convertShape(B2F, F, 0);
    }

    private static void store(FloatVector values, float[] output, int tokenStart, int row, int outputs) {
        if (row + L <= outputs) {
            values.intoArray(output, tokenStart + row);
        } else if (row < outputs) {
            values.intoArray(output, tokenStart + row, F.indexInRange(0, outputs - row));
        }
    }
}
