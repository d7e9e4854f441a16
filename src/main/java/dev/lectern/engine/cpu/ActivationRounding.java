package dev.lectern.engine.cpu;

/**
 * How a matrix product rounds its activations before multiplying: not at all (the Vector API kernels
 * multiply float activations), or to the int8 blocks llama.cpp also uses, where a native int8 kernel runs.
 * {@link CpuBackend#inputRounding} says which one a product takes, so a test can hold the backend to the
 * scalar reference on inputs rounded the same way.
 */
public enum ActivationRounding {
    NONE,
    /**
     * Blocks of 32, an fp16 scale each ({@link Q8_0Rounding}): the native Q4_0 kernels, the native Q8_0 kernels
     * of the AVX2 sets, and AVX-512's Q8_0 decode kernel.
     */
    Q8_0,
    /** Blocks of 256, a float scale each ({@link Q8_KRounding}): the native Q4_K, Q5_K and Q6_K kernels. */
    Q8_K;

    /** Replaces {@code x[from .. from + length)} by the values the kernel multiplies. */
    public void roundInPlace(float[] x, int from, int length) {
        switch (this) {
            case NONE -> {
            }
            case Q8_0 -> Q8_0Rounding.roundInPlace(x, from, length);
            case Q8_K -> Q8_KRounding.roundInPlace(x, from, length);
        }
    }
}
