package dev.lectern.engine.generation;

/**
 * How far a request's prompt is encoded: {@code done} of {@code total} tokens (cached ones count as
 * done), and the estimated time to finish from the engine's recent prefill rate, or -1 when it has no
 * estimate yet.
 */
public record PrefillProgress(int done, int total, long etaNanos) {

    public double fraction() {
        return total == 0 ? 1 : (double) done / total;
    }
}
