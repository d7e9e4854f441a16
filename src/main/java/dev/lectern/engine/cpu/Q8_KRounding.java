package dev.lectern.engine.cpu;

import java.util.Arrays;

/**
 * The scalar reference for rounding activations to Q8_K blocks, as llama.cpp does before it multiplies
 * K-quant weights (ggml's quantize_row_q8_K) and as the {@link NativeKernels} do: per block of 256 values,
 * the multiplier is -127 / (the first value of largest magnitude), each quant is the product rounded to
 * the nearest integer (ties to even) and capped at 127, and the block's scale is 1 / multiplier.
 */
public final class Q8_KRounding {

    public static final int BLOCK = 256;

    private Q8_KRounding() {
    }

    /**
     * Rounds the block {@code x[from .. from + 256)}: writes its quants to {@code quants} at the same
     * offset and returns its scale (0 for a block of zeros).
     */
    public static float round(float[] x, int from, byte[] quants) {
        float max = 0;
        float amax = 0;
        for (int i = from; i < from + BLOCK; i++) {
            if (Math.abs(x[i]) > amax) {
                amax = Math.abs(x[i]);
                max = x[i];
            }
        }
        if (amax == 0) {
            Arrays.fill(quants, from, from + BLOCK, (byte) 0);
            return 0;
        }
        float inverseScale = -127f / max;
        for (int i = from; i < from + BLOCK; i++) {
            quants[i] = (byte) Math.min(127f, (float) Math.rint(inverseScale * x[i]));
        }
        return 1 / inverseScale;
    }

    /** Replaces every block of {@code x[from .. from + length)} by its rounded values, quant · scale. */
    public static void roundInPlace(float[] x, int from, int length) {
        byte[] quants = new byte[x.length];
        for (int b = from; b < from + length; b += BLOCK) {
            float scale = round(x, b, quants);
            for (int i = b; i < b + BLOCK; i++) {
                x[i] = quants[i] * scale;
            }
        }
    }
}
