package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;

import dev.lectern.engine.tensor.WeightTensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * F16 weights: IEEE half floats, widened in registers. The Vector API has no half-float conversion, so
 * the bits are moved into float position and rescaled: (h & 0x7FFF) << 13 read as a float, times 2^112,
 * is exact for normal and subnormal halves; exponent 31 (infinity, NaN) is patched to float's 255; the
 * sign is put back last. Any column count (scalar tail). A species template ({@link SpeciesBinding}).
 */
final class F16Matmul implements MatmulKernel {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = SpeciesBinding.shorts(F);
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();

    @Override
    public void multiply(WeightTensor weight, float[] input, int rows, float[] subBlockSums, float[] output,
                         int firstOutput, int endOutput) {
        MemorySegment data = weight.data();
        long rowBytes = weight.rowBytes();
        int columns = weight.columns();
        int outputs = weight.rows();
        // Input rows in blocks: a block's activations stay in L2 while this share of weight rows streams by.
        for (int first = 0; first < rows; first += ROW_BLOCK) {
            int last = Math.min(rows, first + ROW_BLOCK);
            for (int o = firstOutput; o < endOutput; o++) {
                long row = o * rowBytes;
                int r = first;
                for (; r + 4 <= last; r += 4) {
                    tile4(data, row, columns, input, r * columns, output, r * outputs + o, outputs);
                }
                for (; r < last; r++) {
                    output[r * outputs + o] = dot(data, row, columns, input, r * columns);
                }
            }
        }
    }

    private static FloatVector widen(MemorySegment data, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, offset, BlockReads.ORDER).convertShape(S2I, I, 0);
        IntVector bits = h.and(0x7FFF).lanewise(LSHL, 13);
        FloatVector magnitude = bits.reinterpretAsFloats().mul(0x1p112f);
        // Exponent 31 is infinity or NaN: keep the mantissa, give it float's exponent 255.
        VectorMask<Integer> special = h.and(0x7C00).compare(EQ, 0x7C00);
        IntVector result = magnitude.reinterpretAsInts().blend(bits.or(0x7F80_0000), special);
        return result.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
    }

    private static float dot(MemorySegment data, long row, int columns, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(columns);
        int c = 0;
        for (; c < bound; c += L) {
            acc = widen(data, row + 2L * c).fma(FloatVector.fromArray(F, x, xo + c), acc);
        }
        float sum = acc.reduceLanes(ADD);
        for (; c < columns; c++) {
            sum += BlockReads.f16(data, row + 2L * c) * x[xo + c];
        }
        return sum;
    }

    private static void tile4(MemorySegment data, long row, int columns, float[] x, int xo, float[] output,
                              int out, int outputs) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int bound = F.loopBound(columns);
        int c = 0;
        for (; c < bound; c += L) {
            FloatVector w = widen(data, row + 2L * c);
            acc0 = w.fma(FloatVector.fromArray(F, x, xo + c), acc0);
            acc1 = w.fma(FloatVector.fromArray(F, x, xo + columns + c), acc1);
            acc2 = w.fma(FloatVector.fromArray(F, x, xo + 2 * columns + c), acc2);
            acc3 = w.fma(FloatVector.fromArray(F, x, xo + 3 * columns + c), acc3);
        }
        float sum0 = acc0.reduceLanes(ADD);
        float sum1 = acc1.reduceLanes(ADD);
        float sum2 = acc2.reduceLanes(ADD);
        float sum3 = acc3.reduceLanes(ADD);
        for (; c < columns; c++) {
            float w = BlockReads.f16(data, row + 2L * c);
            sum0 += w * x[xo + c];
            sum1 += w * x[xo + columns + c];
            sum2 += w * x[xo + 2 * columns + c];
            sum3 += w * x[xo + 3 * columns + c];
        }
        output[out] = sum0;
        output[out + outputs] = sum1;
        output[out + 2 * outputs] = sum2;
        output[out + 3 * outputs] = sum3;
    }
}
