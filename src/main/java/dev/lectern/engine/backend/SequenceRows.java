package dev.lectern.engine.backend;

import dev.lectern.engine.kv.KvCache;

/**
 * The rows {@code firstRow .. firstRow + rows - 1} of a batch that belong to one sequence, and that
 * sequence's KV cache. A batch holds the rows of several sequences (a prefill chunk of one, a decoding
 * token of each of the others); everything but attention runs over all rows at once.
 */
public record SequenceRows(KvCache cache, int firstRow, int rows) {

    public SequenceRows {
        if (cache == null || firstRow < 0 || rows < 1) {
            throw new IllegalArgumentException("a sequence's rows need a cache, a first row ≥ 0 and at least one row,"
                    + " got first row " + firstRow + " and " + rows + " rows");
        }
    }

    public int endRow() {
        return firstRow + rows;
    }
}
