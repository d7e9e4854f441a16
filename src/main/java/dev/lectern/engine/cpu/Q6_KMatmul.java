package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;

import dev.lectern.engine.tensor.WeightTensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K (ggml block_q6_K, see Q6_KTensor: ql[128] low nibbles, qh[64] high bit pairs, 16 signed scales,
 * fp16 d last; value = d·scale[e/16]·(q − 32)). Half n and offset l give four elements 128n + 32k + l:
 * with L ≤ 16 lanes, the L elements a vector holds share one 16-value scale, so each vector is scaled
 * once and then serves every input row of the tile. A species template ({@link SpeciesBinding}).
 */
final class Q6_KMatmul implements MatmulKernel {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = SpeciesBinding.bytes(F);
    private static final int L = F.length();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    @Override
    public void multiply(WeightTensor weight, float[] input, int rows, float[] subBlockSums, float[] output,
                         int firstOutput, int endOutput) {
        MemorySegment data = weight.data();
        long rowBytes = weight.rowBytes();
        int columns = weight.columns();
        int outputs = weight.rows();
        int blocks = columns / BLOCK;
        // Input rows in blocks: a block's activations stay in L2 while this share of weight rows streams by.
        for (int first = 0; first < rows; first += ROW_BLOCK) {
            int last = Math.min(rows, first + ROW_BLOCK);
            for (int o = firstOutput; o < endOutput; o++) {
                long row = o * rowBytes;
                int r = first;
                for (; r + 4 <= last; r += 4) {
                    tile4(data, row, blocks, input, r * columns, columns, output, r * outputs + o, outputs);
                }
                for (; r < last; r++) {
                    output[r * outputs + o] = dot(data, row, blocks, input, r * columns);
                }
            }
        }
    }

    private static float dot(MemorySegment data, long row, int blocks, float[] x, int xo) {
        // Two FMA chains (elements k = 0, 1 and k = 2, 3) for the single-row (decode) case.
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            float d = BlockReads.f16(data, block + D);
            int xb = xo + b * BLOCK;
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < 32; j += L) {
                    ByteVector low = ByteVector.fromMemorySegment(B, data, block + QL + 64 * n + j, BlockReads.ORDER);
                    ByteVector lowNext = ByteVector.fromMemorySegment(B, data, block + QL + 64 * n + 32 + j, BlockReads.ORDER);
                    ByteVector high = ByteVector.fromMemorySegment(B, data, block + QH + 32 * n + j, BlockReads.ORDER);
                    long scales = block + SCALES + 8 * n + j / 16;
                    FloatVector w0 = code(low.and((byte) 0x0F), high)
                            .mul(d * BlockReads.s8(data, scales));
                    FloatVector w1 = code(lowNext.and((byte) 0x0F), high.lanewise(LSHR, 2))
                            .mul(d * BlockReads.s8(data, scales + 2));
                    FloatVector w2 = code(low.lanewise(LSHR, 4).and((byte) 0x0F), high.lanewise(LSHR, 4))
                            .mul(d * BlockReads.s8(data, scales + 4));
                    FloatVector w3 = code(lowNext.lanewise(LSHR, 4).and((byte) 0x0F), high.lanewise(LSHR, 6))
                            .mul(d * BlockReads.s8(data, scales + 6));
                    int e = xb + 128 * n + j;
                    accA = w0.fma(FloatVector.fromArray(F, x, e), accA);
                    accA = w1.fma(FloatVector.fromArray(F, x, e + 32), accA);
                    accB = w2.fma(FloatVector.fromArray(F, x, e + 64), accB);
                    accB = w3.fma(FloatVector.fromArray(F, x, e + 96), accB);
                }
            }
        }
        return accA.add(accB).reduceLanes(ADD);
    }

    /** The signed code q − 32 from a nibble and the two bits in the low bits of {@code highBits}. */
    private static FloatVector code(ByteVector nibble, ByteVector highBits) {
        return (FloatVector) nibble.or(highBits.and((byte) 0x03).lanewise(LSHL, 4)).sub((byte) 32)
                .convertShape(B2F, F, 0);
    }

    private static void tile4(MemorySegment data, long row, int blocks, float[] x, int xo, int columns,
                              float[] output, int out, int outputs) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            float d = BlockReads.f16(data, block + D);
            int xb = xo + b * BLOCK;
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < 32; j += L) {
                    ByteVector low = ByteVector.fromMemorySegment(B, data, block + QL + 64 * n + j, BlockReads.ORDER);
                    ByteVector lowNext = ByteVector.fromMemorySegment(B, data, block + QL + 64 * n + 32 + j, BlockReads.ORDER);
                    ByteVector high = ByteVector.fromMemorySegment(B, data, block + QH + 32 * n + j, BlockReads.ORDER);
                    long scales = block + SCALES + 8 * n + j / 16;
                    FloatVector w0 = code(low.and((byte) 0x0F), high)
                            .mul(d * BlockReads.s8(data, scales));
                    FloatVector w1 = code(lowNext.and((byte) 0x0F), high.lanewise(LSHR, 2))
                            .mul(d * BlockReads.s8(data, scales + 2));
                    FloatVector w2 = code(low.lanewise(LSHR, 4).and((byte) 0x0F), high.lanewise(LSHR, 4))
                            .mul(d * BlockReads.s8(data, scales + 4));
                    FloatVector w3 = code(lowNext.lanewise(LSHR, 4).and((byte) 0x0F), high.lanewise(LSHR, 6))
                            .mul(d * BlockReads.s8(data, scales + 6));
                    int e = xb + 128 * n + j;
                    acc0 = fma4(w0, w1, w2, w3, x, e, acc0);
                    acc1 = fma4(w0, w1, w2, w3, x, e + columns, acc1);
                    acc2 = fma4(w0, w1, w2, w3, x, e + 2 * columns, acc2);
                    acc3 = fma4(w0, w1, w2, w3, x, e + 3 * columns, acc3);
                }
            }
        }
        output[out] = acc0.reduceLanes(ADD);
        output[out + outputs] = acc1.reduceLanes(ADD);
        output[out + 2 * outputs] = acc2.reduceLanes(ADD);
        output[out + 3 * outputs] = acc3.reduceLanes(ADD);
    }

    /** acc + Σ_k w_k · x[e + 32k]: one input row's share of a four-element group. */
    private static FloatVector fma4(FloatVector w0, FloatVector w1, FloatVector w2, FloatVector w3, float[] x, int e,
                                    FloatVector acc) {
        acc = w0.fma(FloatVector.fromArray(F, x, e), acc);
        acc = w1.fma(FloatVector.fromArray(F, x, e + 32), acc);
        acc = w2.fma(FloatVector.fromArray(F, x, e + 64), acc);
        return w3.fma(FloatVector.fromArray(F, x, e + 96), acc);
    }
}
