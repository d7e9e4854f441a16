package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowOps} over one vector species (a template, see {@link SpeciesBinding}). Every loop runs whole
 * vectors and finishes the tail in scalar, so any length works. Products that the reference computes as
 * separate float multiplications stay separate here (no FMA) where that makes the result identical:
 * RMSNorm's final scaling and RoPE's rotation.
 */
final class VectorRowOps implements RowOps {

    private static final VectorSpecies<Float> F = SpeciesBinding.species(MethodHandles.lookup());
    private static final int L = F.length();
    private static final VectorSpecies<Short> S = SpeciesBinding.shorts(F);
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Bytes, as many lanes as floats: one load widens to one float vector. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void rmsNorm(float[] in, int inOffset, int width, float[] weight, float eps, float[] out, int outOffset) {
        FloatVector squares = FloatVector.zero(F);
        int bound = F.loopBound(width);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, in, inOffset + i);
            squares = v.fma(v, squares);
        }
        double sum = squares.reduceLanes(ADD);
        for (; i < width; i++) {
            sum += (double) in[inOffset + i] * in[inOffset + i];
        }
        float scale = (float) (1.0 / Math.sqrt(sum / width + eps));
        i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, in, inOffset + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOffset + i);
        }
        for (; i < width; i++) {
            out[outOffset + i] = in[inOffset + i] * scale * weight[i];
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length, float[] out) {
        int bound = F.loopBound(length);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(g.neg().lanewise(EXP).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(out, i);
        }
        for (; i < length; i++) {
            float g = gate[i];
            out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void add(float[] target, float[] addend, int length) {
        int bound = F.loopBound(length);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, target, i).add(FloatVector.fromArray(F, addend, i)).intoArray(target, i);
        }
        for (; i < length; i++) {
            target[i] += addend[i];
        }
    }

    @Override
    public void softmax(float[] x, int offset, int length) {
        int bound = F.loopBound(length);
        FloatVector maxima = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += L) {
            maxima = maxima.max(FloatVector.fromArray(F, x, offset + i));
        }
        float max = maxima.reduceLanes(MAX);
        for (; i < length; i++) {
            max = Math.max(max, x[offset + i]);
        }
        FloatVector sums = FloatVector.zero(F);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, offset + i).sub(max).lanewise(EXP);
            e.intoArray(x, offset + i);
            sums = sums.add(e);
        }
        double sum = sums.reduceLanes(ADD);
        for (; i < length; i++) {
            float e = (float) Math.exp(x[offset + i] - max);
            x[offset + i] = e;
            sum += e;
        }
        float inverse = (float) (1.0 / sum);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, offset + i).mul(inverse).intoArray(x, offset + i);
        }
        for (; i < length; i++) {
            x[offset + i] *= inverse;
        }
    }

    @Override
    public void rotate(float[] x, int at, int half, float[] cos, float[] sin, int table) {
        int bound = F.loopBound(half);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector a = FloatVector.fromArray(F, x, at + i);
            FloatVector b = FloatVector.fromArray(F, x, at + half + i);
            FloatVector c = FloatVector.fromArray(F, cos, table + i);
            FloatVector s = FloatVector.fromArray(F, sin, table + i);
            a.mul(c).sub(b.mul(s)).intoArray(x, at + i);
            a.mul(s).add(b.mul(c)).intoArray(x, at + half + i);
        }
        for (; i < half; i++) {
            float a = x[at + i];
            float b = x[at + half + i];
            x[at + i] = a * cos[table + i] - b * sin[table + i];
            x[at + half + i] = a * sin[table + i] + b * cos[table + i];
        }
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(length);
        int i = 0;
        for (; i < bound; i += L) {
            acc = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), acc);
        }
        float sum = acc.reduceLanes(ADD);
        for (; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    @Override
    public void addScaled(float scale, float[] x, int xOffset, float[] y, int yOffset, int length) {
        FloatVector factor = FloatVector.broadcast(F, scale);
        int bound = F.loopBound(length);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOffset + i).fma(factor, FloatVector.fromArray(F, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < length; i++) {
            y[yOffset + i] += scale * x[xOffset + i];
        }
    }

    @Override
    public float sum(float[] x, int offset, int length) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(length);
        int i = 0;
        for (; i < bound; i += L) {
            acc = acc.add(FloatVector.fromArray(F, x, offset + i));
        }
        float sum = acc.reduceLanes(ADD);
        for (; i < length; i++) {
            sum += x[offset + i];
        }
        return sum;
    }

    @Override
    public void scores(float[] q, int qOffset, float[] keys, int count, int length, float scale, float[] out) {
        int bound = F.loopBound(length);
        int j = 0;
        // Four positions at a time: each query vector loaded once feeds four independent chains.
        for (; j + 4 <= count; j += 4) {
            int k0 = j * length;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, q, qOffset + i);
                a0 = v.fma(FloatVector.fromArray(F, keys, k0 + i), a0);
                a1 = v.fma(FloatVector.fromArray(F, keys, k0 + length + i), a1);
                a2 = v.fma(FloatVector.fromArray(F, keys, k0 + 2 * length + i), a2);
                a3 = v.fma(FloatVector.fromArray(F, keys, k0 + 3 * length + i), a3);
            }
            float s0 = a0.reduceLanes(ADD), s1 = a1.reduceLanes(ADD), s2 = a2.reduceLanes(ADD), s3 = a3.reduceLanes(ADD);
            for (; i < length; i++) {
                float x = q[qOffset + i];
                s0 += x * keys[k0 + i];
                s1 += x * keys[k0 + length + i];
                s2 += x * keys[k0 + 2 * length + i];
                s3 += x * keys[k0 + 3 * length + i];
            }
            out[j] = s0 * scale;
            out[j + 1] = s1 * scale;
            out[j + 2] = s2 * scale;
            out[j + 3] = s3 * scale;
        }
        for (; j < count; j++) {
            out[j] = dot(q, qOffset, keys, j * length, length) * scale;
        }
    }

    @Override
    public float expShifted(float[] x, int count, float shift) {
        int bound = F.loopBound(count);
        FloatVector sums = FloatVector.zero(F);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector e = FloatVector.fromArray(F, x, j).sub(shift).lanewise(EXP);
            e.intoArray(x, j);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(ADD);
        for (; j < count; j++) {
            float e = (float) Math.exp(x[j] - shift);
            x[j] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public void accumulateWeighted(float[] acc, int accOffset, float decay, float[] weights, int count, float[] values,
                                   int length) {
        int i = 0;
        // Four vectors of the running sum stay in registers while every position's values stream by.
        for (; i + 4 * L <= length; i += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOffset + i).mul(decay);
            FloatVector a1 = FloatVector.fromArray(F, acc, accOffset + i + L).mul(decay);
            FloatVector a2 = FloatVector.fromArray(F, acc, accOffset + i + 2 * L).mul(decay);
            FloatVector a3 = FloatVector.fromArray(F, acc, accOffset + i + 3 * L).mul(decay);
            for (int j = 0, v = i; j < count; j++, v += length) {
                FloatVector w = FloatVector.broadcast(F, weights[j]);
                a0 = FloatVector.fromArray(F, values, v).fma(w, a0);
                a1 = FloatVector.fromArray(F, values, v + L).fma(w, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(w, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(w, a3);
            }
            a0.intoArray(acc, accOffset + i);
            a1.intoArray(acc, accOffset + i + L);
            a2.intoArray(acc, accOffset + i + 2 * L);
            a3.intoArray(acc, accOffset + i + 3 * L);
        }
        for (; i + L <= length; i += L) {
            FloatVector a = FloatVector.fromArray(F, acc, accOffset + i).mul(decay);
            for (int j = 0, v = i; j < count; j++, v += length) {
                a = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, weights[j]), a);
            }
            a.intoArray(acc, accOffset + i);
        }
        for (; i < length; i++) {
            float a = acc[accOffset + i] * decay;
            for (int j = 0; j < count; j++) {
                a += weights[j] * values[j * length + i];
            }
            acc[accOffset + i] = a;
        }
    }

    /**
     * The Vector API has no half-float conversion, so the bits are moved into float position and rescaled
     * (as F16Matmul does): (h & 0x7FFF) << 13 read as a float, times 2^112, is exact for normal and
     * subnormal halves; exponent 31 (infinity, NaN) gets float's 255; the sign goes back last. A plain
     * Float.float16ToFloat loop was not vectorized here (the KV cache's shared-arena slices) and made
     * attention at long contexts convert ~1 value per nanosecond.
     */
    @Override
    public void widenHalves(MemorySegment data, long offset, float[] out, int outOffset, int count) {
        int bound = F.loopBound(count);
        int i = 0;
        for (; i < bound; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, data, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(S2I, I, 0);
            IntVector bits = h.and(0x7FFF).lanewise(LSHL, 13);
            FloatVector magnitude = bits.reinterpretAsFloats().mul(0x1p112f);
            VectorMask<Integer> special = h.and(0x7C00).compare(EQ, 0x7C00);
            IntVector result = magnitude.reinterpretAsInts().blend(bits.or(0x7F80_0000), special);
            result.or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().intoArray(out, outOffset + i);
        }
        for (; i < count; i++) {
            out[outOffset + i] = Float.float16ToFloat(data.get(HALF, offset + 2L * i));
        }
    }

    @Override
    public void widenQ8_0(MemorySegment data, long offset, float[] out, int outOffset, int count) {
        for (int b = 0; b < count / 32; b++) {
            long block = offset + 34L * b;
            float scale = Float.float16ToFloat(data.get(HALF, block));
            for (int i = 0; i < 32; i += L) {
                ((FloatVector) ByteVector.fromMemorySegment(B, data, block + 2 + i, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(B2F, F, 0)).mul(scale).intoArray(out, outOffset + 32 * b + i);
            }
        }
    }

    @Override
    public void scoresTransposed(float[] q, int qOffset, float[] keysT, int stride, int count, int length, float scale,
                                 float[] out) {
        int vectors = Math.ceilDiv(count, L);
        int v = 0;
        for (; v + 4 <= vectors; v += 4) {
            int j = v * L;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int i = 0, k = j; i < length; i++, k += stride) {
                FloatVector x = FloatVector.broadcast(F, q[qOffset + i]);
                a0 = FloatVector.fromArray(F, keysT, k).fma(x, a0);
                a1 = FloatVector.fromArray(F, keysT, k + L).fma(x, a1);
                a2 = FloatVector.fromArray(F, keysT, k + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(F, keysT, k + 3 * L).fma(x, a3);
            }
            a0.mul(scale).intoArray(out, j);
            a1.mul(scale).intoArray(out, j + L);
            a2.mul(scale).intoArray(out, j + 2 * L);
            a3.mul(scale).intoArray(out, j + 3 * L);
        }
        for (; v < vectors; v++) {
            int j = v * L;
            FloatVector a = FloatVector.zero(F);
            for (int i = 0, k = j; i < length; i++, k += stride) {
                a = FloatVector.fromArray(F, keysT, k).fma(FloatVector.broadcast(F, q[qOffset + i]), a);
            }
            a.mul(scale).intoArray(out, j);
        }
    }
}
