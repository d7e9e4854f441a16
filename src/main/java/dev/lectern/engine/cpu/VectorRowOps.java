package dev.lectern.engine.cpu;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.MAX;

import java.lang.invoke.MethodHandles;

import jdk.incubator.vector.FloatVector;
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
}
