package dev.lectern.engine.generation;

/** Told what a generation does as it happens; called on the generating thread, so keep it quick. */
public interface GenerationListener {

    /** A chunk of the prompt has been encoded: {@code done} of {@code total} prompt tokens. */
    default void onPrefillProgress(int done, int total) {
    }

    /**
     * A token was generated. {@code text} is what may be shown now (complete characters only, and
     * nothing that could still turn out to be the start of a stop string); it may be empty. At the end,
     * text still held back is released with {@code token} -1.
     *
     * @param elapsedNanos time since the generation started, so callers can time every token
     */
    void onToken(int token, String text, long elapsedNanos);

    /** A listener that ignores everything, for callers that only want the result. */
    static GenerationListener ignoring() {
        return (token, text, elapsedNanos) -> { };
    }
}
