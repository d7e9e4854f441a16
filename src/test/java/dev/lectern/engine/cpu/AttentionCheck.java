package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;

/**
 * Attention of a backend against the {@link ReferenceBackend} over a paged cache of random keys and values,
 * shared by the Vector API and the native kernel tests: errors relative to max |value| (the scale of the
 * output), outputs poisoned with NaN so an unwritten one shows.
 */
final class AttentionCheck implements AutoCloseable {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    final PagedKvCache cache;
    private final int length;
    private final double maxValue;

    /** Two layers of {@code length} random positions; layer 1 is the one checked. */
    AttentionCheck(TestInputs inputs, int width, int capacity, KvDataType dataType, int blockSize, int length) {
        this.cache = new PagedKvCache(2, width, capacity, dataType, blockSize);
        this.length = length;
        float[] values = null;
        for (int layer = 0; layer < 2; layer++) {
            float[] keys = inputs.normal(length * width, 1.0);
            values = inputs.normal(length * width, 1.0);
            for (int p = 0; p < length; p++) {
                cache.write(layer, p, keys, p * width, values, p * width);
            }
        }
        cache.commit(length);
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        this.maxValue = max;
    }

    /**
     * The last {@code rows} positions attend as query rows (spread 3: a sharper softmax than 1, as normalized
     * Qwen3 queries give); asserts every element within {@code bound} · max|v| and returns the worst error.
     */
    double check(CpuBackend backend, int rows, int heads, int headDim, TestInputs inputs, double bound, String what) {
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) {
            positions[r] = length - rows + r;
        }
        float[] queries = inputs.normal(rows * heads * headDim, 3.0);
        float[] expected = TestInputs.poisoned(rows * heads * headDim);
        float[] actual = TestInputs.poisoned(rows * heads * headDim);
        REFERENCE.attention(queries, rows, positions, heads, headDim, cache, 1, expected);
        backend.attention(queries, rows, positions, heads, headDim, cache, 1, actual);
        String described = what + ", " + rows + " rows ending at " + (length - 1) + ", " + inputs.describe();
        assertThat(actual).as("every output written, " + described).doesNotContain(Float.NaN);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double error = Math.abs(actual[i] - expected[i]) / maxValue;
            worst = Math.max(worst, error);
            assertThat(error).as("element %d, %s", i, described).isLessThanOrEqualTo(bound);
        }
        return worst;
    }

    @Override
    public void close() {
        cache.close();
    }
}
