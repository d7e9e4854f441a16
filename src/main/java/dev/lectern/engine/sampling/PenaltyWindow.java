package dev.lectern.engine.sampling;

import java.util.Arrays;

/**
 * The latest tokens of one sequence and the penalties they earn, as llama.cpp applies them: for every
 * distinct token among the last {@code penaltyLastN}, seen {@code count} times,
 *
 * <pre>
 * logit = logit &gt; 0 ? logit / repetitionPenalty : logit * repetitionPenalty
 * logit -= count * frequencyPenalty + presencePenalty
 * </pre>
 *
 * The repetition penalty applies once per distinct token, not once per occurrence. Only the window is
 * kept per sequence (a few hundred bytes); the per-token counts live in the thread's workspace, so many
 * concurrent sequences do not each hold a vocabulary-sized array.
 */
final class PenaltyWindow {

    private final float repetitionPenalty;
    private final float presencePenalty;
    private final float frequencyPenalty;
    /** Tokens looked back, or -1 for all of them (then {@link #tokens} grows instead of wrapping). */
    private final int capacity;
    private int[] tokens;
    private int start;
    private int size;

    PenaltyWindow(SamplingParameters parameters) {
        this.repetitionPenalty = (float) parameters.repetitionPenalty();
        this.presencePenalty = (float) parameters.presencePenalty();
        this.frequencyPenalty = (float) parameters.frequencyPenalty();
        this.capacity = parameters.penaltyLastN();
        this.tokens = new int[capacity > 0 ? capacity : 256];
    }

    void add(int token) {
        if (capacity < 0) {
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
            }
            tokens[size++] = token;
        } else if (size < capacity) {
            tokens[(start + size) % capacity] = token;
            size++;
        } else {
            tokens[start] = token;
            start = (start + 1) % capacity;
        }
    }

    /**
     * Penalizes {@code logits}, indexed by token id.
     *
     * @param counts scratch of at least vocabulary size, all zero on entry; left all zero on exit
     */
    void apply(float[] logits, int[] counts) {
        int length = tokens.length;
        for (int i = 0; i < size; i++) {
            counts[tokens[(start + i) % length]]++;
        }
        for (int i = 0; i < size; i++) {
            int token = tokens[(start + i) % length];
            int count = counts[token];
            if (count == 0) {
                continue; // an earlier occurrence of the same token already applied its penalty
            }
            counts[token] = 0;
            float logit = logits[token];
            logit = logit > 0 ? logit / repetitionPenalty : logit * repetitionPenalty;
            logits[token] = logit - (count * frequencyPenalty + presencePenalty);
        }
    }
}
