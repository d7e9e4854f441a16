package dev.lectern.engine.sched;

/**
 * Sizes the prompt chunk of steps that also decode, so that readers' token gaps stay within
 * {@code gapFactor} times a decode-only step while someone else's long prompt is encoded. It measures both
 * kinds of step as they run and steers the chunk with the marginal cost seen: a step of decode time
 * {@code D} plus {@code P} prompt rows took {@code T}, so a prompt row costs {@code (T - D) / P} and the
 * chunk that keeps {@code T = gapFactor · D} is {@code P · (gapFactor - 1) / (T / D - 1)}. Measuring beats
 * a fixed chunk: one row of prompt costs 1 ms on a small model with int8 kernels and 100 ms on a large one
 * on an older CPU. Every few mixed steps one decode-only step refreshes {@code D} (the number of readers and
 * their context lengths change it). Engine thread only.
 */
final class PrefillPacer {

    /** Mixed steps between two decode-only ones, which keep the decode time current. */
    static final int MIXED_STEPS_PER_REFRESH = 8;
    /** Weight of the newest measurement. */
    private static final double SMOOTHING = 0.3;
    /** The chunk tried before anything is measured: small, since a too-large first chunk is a visible stall. */
    private static final int FIRST_CHUNK = 8;

    private final int maxChunk;
    private final double gapFactor;
    private double decodeNanos;
    private double chunk;
    private int mixedSinceRefresh;

    PrefillPacer(int maxChunk, double gapFactor) {
        this.maxChunk = maxChunk;
        this.gapFactor = gapFactor;
        this.chunk = Math.min(maxChunk, FIRST_CHUNK);
    }

    /** Prompt rows the next step may take beside its decoding rows; 0 for a decode-only step. */
    int budget() {
        if (decodeNanos == 0 || mixedSinceRefresh >= MIXED_STEPS_PER_REFRESH) {
            return 0;
        }
        return (int) Math.max(1, Math.round(chunk));
    }

    void decodeOnlyStep(long nanos) {
        decodeNanos = decodeNanos == 0 ? nanos : decodeNanos + SMOOTHING * (nanos - decodeNanos);
        mixedSinceRefresh = 0;
    }

    void mixedStep(int promptRows, long nanos) {
        mixedSinceRefresh++;
        if (decodeNanos == 0 || promptRows == 0) {
            return;
        }
        double ratio = nanos / decodeNanos;
        // A step no slower than decoding alone says little about a row's cost: grow, but not past doubling.
        double wanted = ratio <= 1.05 ? 2.0 * promptRows : promptRows * (gapFactor - 1) / (ratio - 1);
        chunk = Math.clamp(chunk + SMOOTHING * (Math.min(wanted, 2.0 * promptRows) - chunk), 1, maxChunk);
    }

    /** The chunk the pacer currently gives a step beside decoding rows. */
    double chunk() {
        return chunk;
    }
}
