package dev.lectern.engine.model;

import java.util.List;
import java.util.Objects;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The Qwen3 forward pass, written once against {@link Backend}: embedding; per layer RMSNorm → Q/K/V
 * (no biases) → per-head RMSNorm of Q and K → NeoX RoPE → grouped-query attention over the KV cache →
 * output projection → residual → RMSNorm → down(silu(gate) · up) → residual; final RMSNorm; output head.
 * A call takes a batch of rows from one or several sequences (a prefill chunk, decoding tokens) and
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
    public float[] forward(int[] tokens, int[] positions, KvCache cache, int[] logitRows) {
        if (tokens.length == 0) {
            return forward(tokens, positions, List.of(), logitRows);
        }
        return forward(tokens, positions, List.of(new SequenceRows(cache, 0, tokens.length)), logitRows);
    }

    /**
     * One step over the rows of several sequences: each {@link SequenceRows} covers consecutive rows whose
     * positions continue what its cache holds (a prefill chunk, or one decoding token), and together they
     * cover every row once, in order. Matmuls, norms, RoPE and SwiGLU run once over all rows, so decoding
     * eight sequences reads each weight once, not eight times; keys and values are stored and attended per
     * sequence. Returns the logits of the rows in {@code logitRows}, in that order.
     */
    public synchronized float[] forward(int[] tokens, int[] positions, List<SequenceRows> sequences, int[] logitRows) {
        int rows = tokens.length;
        if (positions.length != rows) {
            throw new IllegalArgumentException(rows + " tokens but " + positions.length + " positions");
        }
        checkSequences(positions, sequences, rows);
        for (int row : logitRows) {
            Objects.checkIndex(row, rows);
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
            for (SequenceRows sequence : sequences) {
                KvCache cache = sequence.cache();
                for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
                    cache.write(l, positions[r], k, r * kvWidth, v, r * kvWidth);
                }
            }
            backend.attention(q, positions, heads, headDim, sequences, l, attended);
            backend.matmul(layer.attentionOutput(), attended, rows, projected);
            backend.add(x, projected, rows * hidden);

            backend.rmsNorm(x, rows, hidden, layer.feedForwardNorm(), eps, normed);
            backend.matmul(layer.gate(), normed, rows, gate);
            backend.matmul(layer.up(), normed, rows, up);
            backend.swiglu(gate, up, rows * ffn, gate);
            backend.matmul(layer.down(), gate, rows, projected);
            backend.add(x, projected, rows * hidden);
        }
        for (SequenceRows sequence : sequences) {
            sequence.cache().commit(positions[sequence.endRow() - 1] + 1);
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

    private static void checkSequences(int[] positions, List<SequenceRows> sequences, int rows) {
        int next = 0;
        for (SequenceRows sequence : sequences) {
            if (sequence.firstRow() != next || sequence.endRow() > rows) {
                throw new IllegalArgumentException("the sequences must cover rows 0.." + (rows - 1)
                        + " once each, in order; one starts at row " + sequence.firstRow() + " where row " + next
                        + " was expected");
            }
            int length = sequence.cache().length();
            for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
                if (positions[r] != length + r - sequence.firstRow()) {
                    throw new IllegalArgumentException("positions " + positions[sequence.firstRow()] + ".."
                            + positions[sequence.endRow() - 1] + " do not continue the " + length + " cached positions");
                }
            }
            next = sequence.endRow();
        }
        if (next != rows) {
            throw new IllegalArgumentException("the sequences cover " + next + " of " + rows + " rows");
        }
    }
}
