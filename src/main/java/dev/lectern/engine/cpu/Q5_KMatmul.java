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
 * Q5_K (ggml block_q5_K, see Q5_KTensor: 256 values in 176 bytes; the Q4_K header, then qh (32 bytes of
 * fifth bits) and qs (128 bytes of nibbles arranged as in Q4_K)). Chunk c's low-nibble element l takes
 * bit 2c of qh[l] as its fifth bit, its high-nibble element bit 2c + 1. As in {@link Q4_KMatmul}, the
 * min term uses the input's 32-value sums. A species template ({@link SpeciesBinding}).
 */
final class Q5_KMatmul implements MatmulKernel {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = SpeciesBinding.bytes(F);
    private static final int L = F.length();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 176;
    private static final int DMIN = 2;
    private static final int TABLE = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    @Override
    public boolean usesSubBlockSums() {
        return true;
    }

    @Override
    public void multiply(WeightTensor weight, float[] input, int rows, float[] subBlockSums, float[] output,
                         int firstOutput, int endOutput) {
        MemorySegment data = weight.data();
        long rowBytes = weight.rowBytes();
        int columns = weight.columns();
        int outputs = weight.rows();
        int blocks = columns / BLOCK;
        int sumsPerRow = columns / 32;
        // Input rows in blocks: a block's activations stay in L2 while this share of weight rows streams by.
        for (int first = 0; first < rows; first += ROW_BLOCK) {
            int last = Math.min(rows, first + ROW_BLOCK);
            for (int o = firstOutput; o < endOutput; o++) {
                long row = o * rowBytes;
                int r = first;
                for (; r + 4 <= last; r += 4) {
                    tile4(data, row, blocks, input, r * columns, columns, subBlockSums, r * sumsPerRow, sumsPerRow,
                            output, r * outputs + o, outputs);
                }
                for (; r < last; r++) {
                    output[r * outputs + o] = dot(data, row, blocks, input, r * columns, subBlockSums, r * sumsPerRow);
                }
            }
        }
    }

    private static float dot(MemorySegment data, long row, int blocks, float[] x, int xo, float[] sums, int so) {
        // Low and high nibbles accumulate apart: two independent FMA chains for the single-row (decode) case.
        FloatVector accLow = FloatVector.zero(F);
        FloatVector accHigh = FloatVector.zero(F);
        float shift = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            float d = BlockReads.f16(data, block);
            float dmin = BlockReads.f16(data, block + DMIN);
            int xb = xo + b * BLOCK;
            int sb = so + b * 8;
            for (int c = 0; c < 4; c++) {
                long table = block + TABLE;
                FloatVector stepLow = FloatVector.broadcast(F, d * BlockReads.kScale(data, table, 2 * c));
                FloatVector stepHigh = FloatVector.broadcast(F, d * BlockReads.kScale(data, table, 2 * c + 1));
                shift += dmin * BlockReads.kMin(data, table, 2 * c) * sums[sb + 2 * c]
                        + dmin * BlockReads.kMin(data, table, 2 * c + 1) * sums[sb + 2 * c + 1];
                for (int j = 0; j < 32; j += L) {
                    ByteVector packed = ByteVector.fromMemorySegment(B, data, block + QS + 32 * c + j, BlockReads.ORDER);
                    ByteVector fifth = ByteVector.fromMemorySegment(B, data, block + QH + j, BlockReads.ORDER);
                    ByteVector qLow = packed.and((byte) 0x0F)
                            .or(fifth.lanewise(LSHR, 2 * c).and((byte) 1).lanewise(LSHL, 4));
                    ByteVector qHigh = packed.lanewise(LSHR, 4).and((byte) 0x0F)
                            .or(fifth.lanewise(LSHR, 2 * c + 1).and((byte) 1).lanewise(LSHL, 4));
                    FloatVector low = ((FloatVector) qLow.convertShape(B2F, F, 0)).mul(stepLow);
                    FloatVector high = ((FloatVector) qHigh.convertShape(B2F, F, 0)).mul(stepHigh);
                    accLow = low.fma(FloatVector.fromArray(F, x, xb + 64 * c + j), accLow);
                    accHigh = high.fma(FloatVector.fromArray(F, x, xb + 64 * c + 32 + j), accHigh);
                }
            }
        }
        return accLow.add(accHigh).reduceLanes(ADD) - shift;
    }

    private static void tile4(MemorySegment data, long row, int blocks, float[] x, int xo, int columns, float[] sums,
                              int so, int sumsPerRow, float[] output, int out, int outputs) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        float shift0 = 0f;
        float shift1 = 0f;
        float shift2 = 0f;
        float shift3 = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            float d = BlockReads.f16(data, block);
            float dmin = BlockReads.f16(data, block + DMIN);
            int xb = xo + b * BLOCK;
            int sb = so + b * 8;
            for (int c = 0; c < 4; c++) {
                long table = block + TABLE;
                FloatVector stepLow = FloatVector.broadcast(F, d * BlockReads.kScale(data, table, 2 * c));
                FloatVector stepHigh = FloatVector.broadcast(F, d * BlockReads.kScale(data, table, 2 * c + 1));
                float minLow = dmin * BlockReads.kMin(data, table, 2 * c);
                float minHigh = dmin * BlockReads.kMin(data, table, 2 * c + 1);
                int s = sb + 2 * c;
                shift0 += minLow * sums[s] + minHigh * sums[s + 1];
                shift1 += minLow * sums[s + sumsPerRow] + minHigh * sums[s + 1 + sumsPerRow];
                shift2 += minLow * sums[s + 2 * sumsPerRow] + minHigh * sums[s + 1 + 2 * sumsPerRow];
                shift3 += minLow * sums[s + 3 * sumsPerRow] + minHigh * sums[s + 1 + 3 * sumsPerRow];
                for (int j = 0; j < 32; j += L) {
                    ByteVector packed = ByteVector.fromMemorySegment(B, data, block + QS + 32 * c + j, BlockReads.ORDER);
                    ByteVector fifth = ByteVector.fromMemorySegment(B, data, block + QH + j, BlockReads.ORDER);
                    ByteVector qLow = packed.and((byte) 0x0F)
                            .or(fifth.lanewise(LSHR, 2 * c).and((byte) 1).lanewise(LSHL, 4));
                    ByteVector qHigh = packed.lanewise(LSHR, 4).and((byte) 0x0F)
                            .or(fifth.lanewise(LSHR, 2 * c + 1).and((byte) 1).lanewise(LSHL, 4));
                    FloatVector low = ((FloatVector) qLow.convertShape(B2F, F, 0)).mul(stepLow);
                    FloatVector high = ((FloatVector) qHigh.convertShape(B2F, F, 0)).mul(stepHigh);
                    int lo = xb + 64 * c + j;
                    int hi = lo + 32;
                    acc0 = high.fma(FloatVector.fromArray(F, x, hi), low.fma(FloatVector.fromArray(F, x, lo), acc0));
                    acc1 = high.fma(FloatVector.fromArray(F, x, hi + columns),
                            low.fma(FloatVector.fromArray(F, x, lo + columns), acc1));
                    acc2 = high.fma(FloatVector.fromArray(F, x, hi + 2 * columns),
                            low.fma(FloatVector.fromArray(F, x, lo + 2 * columns), acc2));
                    acc3 = high.fma(FloatVector.fromArray(F, x, hi + 3 * columns),
                            low.fma(FloatVector.fromArray(F, x, lo + 3 * columns), acc3));
                }
            }
        }
        output[out] = acc0.reduceLanes(ADD) - shift0;
        output[out + outputs] = acc1.reduceLanes(ADD) - shift1;
        output[out + 2 * outputs] = acc2.reduceLanes(ADD) - shift2;
        output[out + 3 * outputs] = acc3.reduceLanes(ADD) - shift3;
    }
}
