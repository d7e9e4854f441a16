package dev.lectern.testing;

import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.cpu.ActivationRounding;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The scalar {@link ReferenceBackend} fed the activations a {@link CpuBackend} multiplies: where that backend's
 * native int8 kernels round a product's inputs ({@link CpuBackend#inputRounding}), the reference multiplies the
 * same rounded inputs; everything else is the plain reference. So one oracle serves every kernel path: the
 * Vector API's (no rounding) and the native one's.
 */
public final class RoundedReferenceBackend implements Backend {

    private final ReferenceBackend reference = new ReferenceBackend();
    private final CpuBackend rounding;

    public RoundedReferenceBackend(CpuBackend rounding) {
        this.rounding = rounding;
    }

    @Override
    public String name() {
        return "reference+rounding-of-" + rounding.name();
    }

    /** Prepares the CPU backend too: which inputs it rounds can depend on how it packed the weight. */
    @Override
    public void prepare(WeightTensor weight) {
        rounding.prepare(weight);
    }

    @Override
    public void matmul(WeightTensor weight, float[] input, int rows, float[] output) {
        ActivationRounding how = rounding.inputRounding(weight, rows);
        float[] multiplied = input;
        if (how != ActivationRounding.NONE) {
            multiplied = Arrays.copyOf(input, rows * weight.columns());
            how.roundInPlace(multiplied, 0, multiplied.length);
        }
        reference.matmul(weight, multiplied, rows, output);
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, float[] output) {
        reference.embed(table, tokens, output);
    }

    @Override
    public void rmsNorm(float[] input, int rows, int width, float[] weight, float eps, float[] output) {
        reference.rmsNorm(input, rows, width, weight, eps, output);
    }

    @Override
    public void headRmsNorm(float[] x, int rows, int heads, int headDim, float[] weight, float eps) {
        reference.headRmsNorm(x, rows, heads, headDim, weight, eps);
    }

    @Override
    public void rope(float[] x, int rows, int heads, int headDim, int[] positions, float base) {
        reference.rope(x, rows, heads, headDim, positions, base);
    }

    @Override
    public void attention(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences,
                          int layer, float[] output) {
        reference.attention(queries, positions, heads, headDim, sequences, layer, output);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length, float[] output) {
        reference.swiglu(gate, up, length, output);
    }

    @Override
    public void add(float[] target, float[] addend, int length) {
        reference.add(target, addend, length);
    }

    @Override
    public void softmax(float[] x, int offset, int length) {
        reference.softmax(x, offset, length);
    }
}
