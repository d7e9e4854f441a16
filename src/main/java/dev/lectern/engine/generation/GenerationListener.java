package dev.lectern.engine.generation;

/**
 * Told what a request does as it happens. Called on the engine's thread, between forward steps: an
 * implementation must return at once and never block (hand the event to the caller's own queue or
 * sink), or every other request waits with it. An exception thrown here fails this request only.
 */
public interface GenerationListener {

    /** The request left the queue and runs; {@code cachedTokens} of its prompt come from cached KV. */
    default void onStarted(int cachedTokens) {
    }

    /** A chunk of the prompt has been encoded: {@code done} of {@code total} prompt tokens. */
    default void onPrefillProgress(int done, int total) {
    }

    /** As {@link #onPrefillProgress(int, int)}, with the engine's estimate of the time left. */
    default void onProgress(PrefillProgress progress) {
        onPrefillProgress(progress.done(), progress.total());
    }

    /**
     * A token was generated. {@code text} is what may be shown now (complete characters only, and
     * nothing that could still turn out to be the start of a stop string); it may be empty. At the end,
     * text still held back is released with {@code token} -1.
     *
     * @param elapsedNanos time since the request was submitted, so callers can time every token
     */
    void onToken(int token, String text, long elapsedNanos);

    /** The request ended (stop token, stop string, token limit or cancellation) with this result. */
    default void onFinished(GenerationResult result) {
    }

    /** The request could not be completed; nothing more follows. */
    default void onFailed(GenerationFailure failure) {
    }

    /** A listener that ignores everything, for callers that only want the result. */
    static GenerationListener ignoring() {
        return (token, text, elapsedNanos) -> { };
    }
}
