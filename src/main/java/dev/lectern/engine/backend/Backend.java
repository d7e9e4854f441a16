package dev.lectern.engine.backend;

import java.util.List;

import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The whole operations a Qwen3 forward pass is made of, over a batch of token rows: one implementation
 * per device, and the forward pass written once against this interface. Activations are row-major
 * {@code float[]}: {@code rows} rows of {@code width} values each. Every operation takes a batch so that
 * prefill is matrix-matrix (a weight block loaded once serves every token of the chunk) and decoding
 * several sequences is one batch too.
 *
 * <p>{@link ReferenceBackend} is the plain scalar oracle; fast backends are tested against it op by op.
 */
public interface Backend {

    /** A short name for logs and benchmarks, e.g. "reference" or "cpu-avx512". */
    String name();

    /**
     * Lets the backend convert {@code weight} once, before its first {@link #matmul}, into the layout its
     * kernels read fastest (a forward pass calls this for every matrix when it is created). Calling it again
     * for the same tensor does nothing. The default reads weights in place.
     */
    default void prepare(WeightTensor weight) {
    }

    /**
     * {@code output[r][o] = Σ_c weight[o][c] · input[r][c]} for every input row r: the product of a batch of
     * activations with a weight matrix stored as {@code weight.rows()} output rows of {@code weight.columns()}.
     */
    void matmul(WeightTensor weight, float[] input, int rows, float[] output);

    /** Copies (dequantizes) the embedding rows of {@code tokens} into {@code output}, one row per token. */
    void embed(WeightTensor table, int[] tokens, float[] output);

    /** RMSNorm of each row: {@code x / sqrt(mean(x²) + eps) · weight}. */
    void rmsNorm(float[] input, int rows, int width, float[] weight, float eps, float[] output);

    /** RMSNorm applied to every head of every row in place (Qwen3 normalizes Q and K per head). */
    void headRmsNorm(float[] x, int rows, int heads, int headDim, float[] weight, float eps);

    /**
     * NeoX-style rotary embedding in place: in each head, element i pairs with i + headDim/2 and both
     * rotate by {@code position · base^(-2i/headDim)}.
     */
    void rope(float[] x, int rows, int heads, int headDim, int[] positions, float base);

    /**
     * Causal grouped-query attention over a batch of several sequences: each query row r of a sequence's
     * {@link SequenceRows} (at {@code positions[r]}) attends to the cached keys and values of positions
     * 0..positions[r] of {@code layer} in that sequence's cache, which must already hold this batch's own
     * keys and values. Query head h reads key/value head h / (heads / kvHeads). Scores are scaled by
     * 1/sqrt(headDim). Rows that no sequence covers are left as they are.
     */
    void attention(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences, int layer,
                   float[] output);

    /** {@link #attention(float[], int[], int, int, List, int, float[])} for one sequence of {@code rows} rows. */
    default void attention(float[] queries, int rows, int[] positions, int heads, int headDim, KvCache cache, int layer,
                           float[] output) {
        attention(queries, positions, heads, headDim, List.of(new SequenceRows(cache, 0, rows)), layer, output);
    }

    /**
     * Runs every kernel on small inputs until it is compiled, so the first request is not slow; called by
     * the engine thread before it serves. Backends with nothing to warm do nothing.
     */
    default void warmUp() {
    }

    /**
     * Binds the backend to the one thread that may call it from now on (the engine's scheduler thread):
     * backends with shared scratch state fail loudly on a call from any other thread rather than corrupt
     * a running forward pass. A backend without such state ignores it.
     */
    default void confineTo(Thread owner) {
    }

    /** SwiGLU: {@code output = silu(gate) · up}, silu(x) = x / (1 + e^-x). */
    void swiglu(float[] gate, float[] up, int length, float[] output);

    /** {@code target += addend}, element-wise (the residual connections). */
    void add(float[] target, float[] addend, int length);

    /** Softmax in place over {@code x[offset .. offset+length)}, stable against large values. */
    void softmax(float[] x, int offset, int length);
}
