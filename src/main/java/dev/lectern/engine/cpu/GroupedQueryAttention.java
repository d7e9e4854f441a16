package dev.lectern.engine.cpu;

import java.util.Arrays;

import dev.lectern.engine.kv.KvCache;

/**
 * Causal grouped-query attention over a {@link KvCache}, in two parallel stages. First the cached keys and
 * values of every visible position are widened to floats once (the cache stores F16 or Q8_0 and reads
 * whole positions, all heads at a time), split across threads by positions. Then each (query row,
 * key/value head) pair is a task: its query heads score every visible key, take the softmax, and sum
 * the values, with the vector {@link RowOps}.
 *
 * <p>Exact softmax in two passes, not yet the tiled online (flash) form DESIGN.md aims at; the widened
 * copy costs a pass over the whole context per layer, which dominates at long contexts.
 */
final class GroupedQueryAttention {

    /** Positions widened per task in the first stage: enough work to be worth a hand-off. */
    private static final int POSITIONS_PER_CHUNK = 32;

    private final RowOps ops;
    private final WorkerPool pool;
    private float[] keys = new float[0];
    private float[] values = new float[0];
    private final float[][] scores;

    GroupedQueryAttention(RowOps ops, WorkerPool pool) {
        this.ops = ops;
        this.pool = pool;
        this.scores = new float[pool.threads()][0];
    }

    void attend(float[] queries, int rows, int[] positions, int heads, int headDim, KvCache cache, int layer,
                float[] output) {
        int width = cache.width();
        if (width % headDim != 0 || heads % (width / headDim) != 0) {
            throw new IllegalArgumentException("the cache holds " + width + " values per position, which is not a"
                    + " whole number of " + headDim + "-value key/value heads dividing " + heads + " query heads");
        }
        int kvHeads = width / headDim;
        int group = heads / kvHeads;
        int visible = 0;
        for (int r = 0; r < rows; r++) {
            visible = Math.max(visible, positions[r] + 1);
        }
        if (keys.length < visible * width) {
            int size = Math.max(visible, 2 * keys.length / width) * width;
            keys = new float[size];
            values = new float[size];
        }
        for (int w = 0; w < scores.length; w++) {
            if (scores[w].length < visible) {
                scores[w] = new float[Math.max(visible, 2 * scores[w].length)];
            }
        }
        float[] k = keys;
        float[] v = values;
        int positionsTotal = visible;
        pool.run(Math.ceilDiv(visible, POSITIONS_PER_CHUNK), (chunk, worker) -> {
            int end = Math.min(positionsTotal, (chunk + 1) * POSITIONS_PER_CHUNK);
            for (int p = chunk * POSITIONS_PER_CHUNK; p < end; p++) {
                cache.readKey(layer, p, k, p * width);
                cache.readValue(layer, p, v, p * width);
            }
        });
        float scale = (float) (1.0 / Math.sqrt(headDim));
        pool.run(rows * kvHeads, (task, worker) -> {
            int r = task / kvHeads;
            int kvHead = task % kvHeads;
            int seen = positions[r] + 1;
            float[] s = scores[worker];
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                int q = (r * heads + h) * headDim;
                for (int p = 0; p < seen; p++) {
                    s[p] = ops.dot(queries, q, k, p * width + kvHead * headDim, headDim) * scale;
                }
                ops.softmax(s, 0, seen);
                int out = (r * heads + h) * headDim;
                Arrays.fill(output, out, out + headDim, 0f);
                for (int p = 0; p < seen; p++) {
                    ops.addScaled(s[p], v, p * width + kvHead * headDim, output, out, headDim);
                }
            }
        });
    }
}
