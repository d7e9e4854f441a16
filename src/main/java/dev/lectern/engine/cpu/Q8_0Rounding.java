package dev.lectern.engine.cpu;

/**
 * The scalar reference for rounding activations to Q8_0 blocks as llama.cpp does before it multiplies
 * Q8_0 and Q4_0 weights (ggml's x86 quantize_row_q8_0, the AVX path) and as the {@link NativeKernels}
 * Q8_0 decode kernel does: per block of 32, multiplier 127 / max|x|, quants rounded to the nearest integer
 * (ties to even), scale max|x| / 127 kept as fp16.
 */
public final class Q8_0Rounding {

    public static final int BLOCK = 32;

    private Q8_0Rounding() {
    }

    /** Replaces every block of {@code x[from .. from + length)} by its rounded values, quant · scale. */
    public static void roundInPlace(float[] x, int from, int length) {
        for (int b = from; b < from + length; b += BLOCK) {
            float max = 0;
            for (int i = b; i < b + BLOCK; i++) {
                max = Math.max(max, Math.abs(x[i]));
            }
            float multiplier = max != 0 ? 127f / max : 0f;
            float scale = Float.float16ToFloat(Float.floatToFloat16(max / 127f));
            for (int i = b; i < b + BLOCK; i++) {
                x[i] = (float) Math.rint(x[i] * multiplier) * scale;
            }
        }
    }
}
