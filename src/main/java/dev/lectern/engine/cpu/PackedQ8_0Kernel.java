package dev.lectern.engine.cpu;

/**
 * The matrix product over {@link PackedQ8_0} weights; {@link CpuBackend} splits the panels across
 * threads and calls {@link #multiply} once per share. Implemented by a species template.
 */
interface PackedQ8_0Kernel {

    /** Rows per panel this kernel reads: its float vector length. */
    int lanes();

    /**
     * {@code output[r * weight.rows() + o] = Σ_c weight[o][c] · input[r * columns + c]} for every input row
     * r and the output rows of panels {@code firstPanel <= p < endPanel}.
     */
    void multiply(PackedQ8_0 weight, float[] input, int rows, float[] output, int firstPanel, int endPanel);
}
