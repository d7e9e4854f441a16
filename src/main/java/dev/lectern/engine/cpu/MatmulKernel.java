package dev.lectern.engine.cpu;

import dev.lectern.engine.tensor.WeightTensor;

/**
 * One weight type's matrix product: dequantizes weight blocks straight from the tensor's ggml layout and
 * multiplies them with float activations. Implementations are species templates (see
 * {@link SpeciesBinding}); {@link CpuBackend} splits the output rows across threads and calls
 * {@link #multiply} once per share.
 */
interface MatmulKernel {

    /**
     * Input rows a kernel multiplies together against its share of weight rows: 16 rows of 3072 floats
     * (192 KiB) stay in L2, where a whole prefill chunk (512 KiB to 6 MiB) would be re-read from memory
     * for every output row.
     */
    int ROW_BLOCK = 16;

    /**
     * {@code output[r * weight.rows() + o] = Σ_c weight[o][c] · input[r * columns + c]} for every input row r
     * and the output rows {@code firstOutput <= o < endOutput}. {@code subBlockSums} holds, for kernels
     * that {@link #usesSubBlockSums}, the sum of every 32 consecutive inputs of every row (row r's sums
     * start at {@code r * columns / 32}); others get null.
     */
    void multiply(WeightTensor weight, float[] input, int rows, float[] subBlockSums, float[] output,
                  int firstOutput, int endOutput);

    /**
     * Whether the kernel wants the input's 32-value sums: types with a per-sub-block minimum (Q4_K, Q5_K)
     * subtract min · Σx, and that Σx does not depend on the weight row, so it is computed once per call
     * instead of once per output row.
     */
    default boolean usesSubBlockSums() {
        return false;
    }
}
