package dev.lectern.engine.model;

import java.util.List;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The Qwen3 forward pass, written once against {@link Backend}: embedding; per layer RMSNorm → Q/K/V
 * (no biases) → per-head RMSNorm of Q and K → NeoX RoPE → grouped-query attention over the KV cache →
 * output projection → residual → RMSNorm → down(silu(gate) · up) → residual; final RMSNorm; output head.
 * A call takes a batch of tokens at consecutive positions (a prefill chunk, or one decoding token) and
 * returns logits only for the batch rows asked for, since the output head is the largest matrix.
 *
 * <p>The activation buffers are kept from call to call (grown to the largest batch seen): a prefill of
 * 8,192 tokens in chunks of 256 used to allocate ~15 MB per chunk, and the garbage grew the heap, and with
 * it the process's resident memory, by more than a gigabyte. Calls are serialized.
 */
public final class Qwen3Forward {

    private final Qwen3Config config;
    private final Qwen3Weights weights;
    private final Backend backend;
    private int capacity;
    private float[] x = new float[0];
    private float[] normed = new float[0];
    private float[] q = new float[0];
    private float[] k = new float[0];
    private float[] v = new float[0];
    private float[] attended = new float[0];
    private float[] projected = new float[0];
    private float[] gate = new float[0];
    private float[] up = new float[0];

    public Qwen3Forward(Qwen3Model model, Backend backend) {
        this.config = model.config();
        this.weights = model.weights();
        this.backend = backend;
        for (Qwen3Weights.Layer layer : weights.layers()) {
            for (WeightTensor weight : List.of(layer.query(), layer.key(), layer.value(), layer.attentionOutput(),
                    layer.gate(), layer.up(), layer.down())) {
                backend.prepare(weight);
            }
        }
        backend.prepare(weights.outputHead());
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Runs {@code tokens} at {@code positions} (consecutive, continuing what {@code cache} holds), stores
     * their keys and values in the cache, and returns the logits of the rows in {@code logitRows}, one
     * vocabulary-sized row each, in that order.
     */
    public synchronized float[] forward(int[] tokens, int[] positions, KvCache cache, int[] logitRows) {
        int rows = tokens.length;
        if (positions.length != rows) {
            throw new IllegalArgumentException(rows + " tokens but " + positions.length + " positions");
        }
        if (rows > 0 && (positions[0] != cache.length() || positions[rows - 1] != cache.length() + rows - 1)) {
            throw new IllegalArgumentException("positions " + positions[0] + ".." + positions[rows - 1]
                    + " do not continue the " + cache.length() + " cached positions");
        }
        int hidden = config.embeddingLength();
        int heads = config.headCount();
        int kvHeads = config.headCountKv();
        int headDim = config.keyLength();
        int queryWidth = config.queryWidth();
        int kvWidth = config.kvWidth();
        int ffn = config.feedForwardLength();
        float eps = config.rmsNormEpsilon();

        if (rows > capacity) {
            capacity = rows;
            x = new float[rows * hidden];
            normed = new float[rows * hidden];
            q = new float[rows * queryWidth];
            k = new float[rows * kvWidth];
            v = new float[rows * kvWidth];
            attended = new float[rows * queryWidth];
            projected = new float[rows * hidden];
            gate = new float[rows * ffn];
            up = new float[rows * ffn];
        }

        backend.embed(weights.tokenEmbedding(), tokens, x);
        for (int l = 0; l < weights.layers().size(); l++) {
            Qwen3Weights.Layer layer = weights.layers().get(l);
            backend.rmsNorm(x, rows, hidden, layer.attentionNorm(), eps, normed);
            backend.matmul(layer.query(), normed, rows, q);
            backend.matmul(layer.key(), normed, rows, k);
            backend.matmul(layer.value(), normed, rows, v);
            backend.headRmsNorm(q, rows, heads, headDim, layer.queryNorm(), eps);
            backend.headRmsNorm(k, rows, kvHeads, headDim, layer.keyNorm(), eps);
            backend.rope(q, rows, heads, headDim, positions, config.ropeFreqBase());
            backend.rope(k, rows, kvHeads, headDim, positions, config.ropeFreqBase());
            for (int r = 0; r < rows; r++) {
                cache.write(l, positions[r], k, r * kvWidth, v, r * kvWidth);
            }
            backend.attention(q, rows, positions, heads, headDim, cache, l, attended);
            backend.matmul(layer.attentionOutput(), attended, rows, projected);
            backend.add(x, projected, rows * hidden);

            backend.rmsNorm(x, rows, hidden, layer.feedForwardNorm(), eps, normed);
            backend.matmul(layer.gate(), normed, rows, gate);
            backend.matmul(layer.up(), normed, rows, up);
            backend.swiglu(gate, up, rows * ffn, gate);
            backend.matmul(layer.down(), gate, rows, projected);
            backend.add(x, projected, rows * hidden);
        }
        if (rows > 0) {
            cache.commit(positions[rows - 1] + 1);
        }

        float[] selected = new float[logitRows.length * hidden];
        for (int i = 0; i < logitRows.length; i++) {
            System.arraycopy(x, logitRows[i] * hidden, selected, i * hidden, hidden);
        }
        float[] finalNormed = new float[selected.length];
        backend.rmsNorm(selected, logitRows.length, hidden, weights.outputNorm(), eps, finalNormed);
        float[] logits = new float[logitRows.length * config.vocabularySize()];
        backend.matmul(weights.outputHead(), finalNormed, logitRows.length, logits);
        return logits;
    }
}
