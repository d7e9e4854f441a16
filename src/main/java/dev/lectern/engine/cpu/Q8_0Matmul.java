package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.B2F;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;

import dev.lectern.engine.tensor.WeightTensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 (ggml block_q8_0, see Q8_0Tensor: fp16 d, then 32 signed bytes; value = d · q). Each block's
 * Σ q·x is accumulated unscaled and multiplied by d once, as ggml does. A species template
 * ({@link SpeciesBinding}).
 */
final class Q8_0Matmul implements MatmulKernel {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = SpeciesBinding.bytes(F);
    private static final int L = F.length();
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;
    private static final int QS = 2;

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
                // Prefill: four input rows share each dequantized block while it sits in registers.
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
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            int xb = xo + b * BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, data, block + QS + j, BlockReads.ORDER)
                        .convertShape(B2F, F, 0);
                sum = q.fma(FloatVector.fromArray(F, x, xb + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, BlockReads.f16(data, block)), acc);
        }
        return acc.reduceLanes(ADD);
    }

    private static void tile4(MemorySegment data, long row, int blocks, float[] x, int xo, int columns,
                              float[] output, int out, int outputs) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) b * BLOCK_BYTES;
            int xb = xo + b * BLOCK;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F);
            FloatVector s3 = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, data, block + QS + j, BlockReads.ORDER)
                        .convertShape(B2F, F, 0);
                s0 = q.fma(FloatVector.fromArray(F, x, xb + j), s0);
                s1 = q.fma(FloatVector.fromArray(F, x, xb + columns + j), s1);
                s2 = q.fma(FloatVector.fromArray(F, x, xb + 2 * columns + j), s2);
                s3 = q.fma(FloatVector.fromArray(F, x, xb + 3 * columns + j), s3);
            }
            FloatVector d = FloatVector.broadcast(F, BlockReads.f16(data, block));
            acc0 = s0.fma(d, acc0);
            acc1 = s1.fma(d, acc1);
            acc2 = s2.fma(d, acc2);
            acc3 = s3.fma(d, acc3);
        }
        output[out] = acc0.reduceLanes(ADD);
        output[out + outputs] = acc1.reduceLanes(ADD);
        output[out + 2 * outputs] = acc2.reduceLanes(ADD);
        output[out + 3 * outputs] = acc3.reduceLanes(ADD);
    }
}
