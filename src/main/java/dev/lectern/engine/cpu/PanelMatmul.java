package dev.lectern.engine.cpu;

/**
 * The matrix product over one kind of {@link PanelWeights}; {@link CpuBackend} splits the panels across
 * threads and calls {@link #multiply} once per share. Implemented by species templates.
 */
interface PanelMatmul<W extends PanelWeights> {

    /** Rows per panel this kernel reads: its float vector length. */
    int lanes();

    /**
     * {@code output[r * weight.rows() + o] = Σ_c weight[o][c] · input[r * columns + c]} for every input row
     * r and the output rows of panels {@code firstPanel <= p < endPanel}. {@code subBlockSums} holds the sum
     * of every 32 consecutive inputs of every row, for kernels whose format has per-sub-block minimums.
     */
    void multiply(W weight, float[] input, int rows, float[] subBlockSums, float[] output, int firstPanel, int endPanel);
}
