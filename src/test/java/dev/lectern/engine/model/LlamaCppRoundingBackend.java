package dev.lectern.engine.model;

import java.util.List;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.cpu.Q8_0Rounding;
import dev.lectern.engine.cpu.Q8_KRounding;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * A backend that rounds matmul inputs the way llama.cpp's CPU backend does before its dot products, and
 * otherwise delegates. ggml multiplies a weight of type T with activations converted to T's "vec_dot
 * type": F16 for F16, BF16 for BF16, Q8_0 blocks (32 values, one fp16 scale) for Q4_0 and Q8_0, Q8_K
 * blocks (256 values, one float scale) for the K-quants; F32 stays F32. Lectern multiplies with float
 * activations, which is more accurate; emulating llama.cpp's rounding in a test separates "the weights
 * are read the same way" (tight agreement) from "llama.cpp rounds its activations" (the loose agreement
 * of the plain backend).
 */
final class LlamaCppRoundingBackend implements Backend {

    private final Backend inner;

    LlamaCppRoundingBackend(Backend inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name() + "+llama.cpp-rounding";
    }

    @Override
    public void prepare(WeightTensor weight) {
        inner.prepare(weight);
    }

    @Override
    public void matmul(WeightTensor weight, float[] input, int rows, float[] output) {
        int columns = weight.columns();
        float[] rounded = java.util.Arrays.copyOf(input, rows * columns);
        switch (weight.type()) {
            case F16 -> {
                for (int i = 0; i < rounded.length; i++) {
                    rounded[i] = Float.float16ToFloat(Float.floatToFloat16(rounded[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < rounded.length; i++) {
                    rounded[i] = toBf16(rounded[i]);
                }
            }
            case Q8_0, Q4_0 -> {
                Q8_0Rounding.roundInPlace(rounded, 0, rounded.length);
            }
            case Q4_K, Q5_K, Q6_K -> {
                Q8_KRounding.roundInPlace(rounded, 0, rounded.length);
            }
            default -> {
            }
        }
        inner.matmul(weight, rounded, rows, output);
    }

    private static float toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return value;
        }
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, float[] output) {
        inner.embed(table, tokens, output);
    }

    @Override
    public void rmsNorm(float[] input, int rows, int width, float[] weight, float eps, float[] output) {
        inner.rmsNorm(input, rows, width, weight, eps, output);
    }

    @Override
    public void headRmsNorm(float[] x, int rows, int heads, int headDim, float[] weight, float eps) {
        inner.headRmsNorm(x, rows, heads, headDim, weight, eps);
    }

    @Override
    public void rope(float[] x, int rows, int heads, int headDim, int[] positions, float base) {
        inner.rope(x, rows, heads, headDim, positions, base);
    }

    @Override
    public void attention(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences,
                          int layer, float[] output) {
        inner.attention(queries, positions, heads, headDim, sequences, layer, output);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length, float[] output) {
        inner.swiglu(gate, up, length, output);
    }

    @Override
    public void add(float[] target, float[] addend, int length) {
        inner.add(target, addend, length);
    }

    @Override
    public void softmax(float[] x, int offset, int length) {
        inner.softmax(x, offset, length);
    }
}
