package dev.lectern.engine.sched;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.backend.SequenceRows;

/**
 * One step's batch: for each sequence in it, the rows it runs (its next tokens at its next positions), and
 * which rows need logits (those that reach the end of what the sequence has to read, so a token can be
 * sampled). Built by the scheduler after the rows' KV positions are reserved.
 */
final class StepPlan {

    private final List<ActiveRequest> requests = new ArrayList<>();
    private final List<SequenceRows> sequences = new ArrayList<>();
    private int[] tokens = new int[16];
    private int[] positions = new int[16];
    private int[] logitIndex = new int[4];
    private int rows;
    private int logitRows;
    private int prefillRows;

    void add(ActiveRequest active, int count) {
        int from = active.kv.length();
        if (rows + count > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(rows + count, 2 * tokens.length));
            positions = Arrays.copyOf(positions, tokens.length);
        }
        System.arraycopy(active.tokens, from, tokens, rows, count);
        for (int i = 0; i < count; i++) {
            positions[rows + i] = from + i;
        }
        sequences.add(new SequenceRows(active.kv, rows, count));
        if (requests.size() == logitIndex.length) {
            logitIndex = Arrays.copyOf(logitIndex, 2 * logitIndex.length);
        }
        logitIndex[requests.size()] = from + count == active.tokenCount ? logitRows++ : -1;
        requests.add(active);
        if (!active.isDecoding()) {
            prefillRows += count;
        }
        rows += count;
    }

    boolean isEmpty() {
        return rows == 0;
    }

    int rows() {
        return rows;
    }

    /** Rows that encode prompts (not single decoding rows): what the prefill-rate estimate counts. */
    int prefillRows() {
        return prefillRows;
    }

    int[] tokens() {
        return Arrays.copyOf(tokens, rows);
    }

    int[] positions() {
        return Arrays.copyOf(positions, rows);
    }

    List<SequenceRows> sequences() {
        return sequences;
    }

    List<ActiveRequest> requests() {
        return requests;
    }

    /** The batch rows whose logits the forward pass returns, in the order of {@link #requests()}. */
    int[] logitRows() {
        int[] selected = new int[logitRows];
        for (int i = 0; i < requests.size(); i++) {
            if (logitIndex[i] >= 0) {
                selected[logitIndex[i]] = sequences.get(i).endRow() - 1;
            }
        }
        return selected;
    }

    /** For each request of {@link #requests()}, its row in the returned logits, or -1 if it gets none. */
    int[] logitIndex() {
        return Arrays.copyOf(logitIndex, requests.size());
    }
}
