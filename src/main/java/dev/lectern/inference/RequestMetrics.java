package dev.lectern.inference;

import dev.lectern.engine.generation.GenerationStats;

/**
 * Hears every request where it ends, and every document prefix when its encoding ends, for the metrics and
 * the admin dashboard. The inference service calls it for whatever submits a prompt (the chat, the API):
 * callers only name the user in their {@link PromptRequest}. Called on the engine's thread: implementations
 * must not block (database writes go elsewhere).
 */
public interface RequestMetrics {

    /** A request ended, answered or cancelled; {@code userId} is null when no user is known. */
    void requestFinished(Long userId, GenerationStats stats, long endToEndNanos);

    /** A request failed after it was queued (KV memory full, engine error). */
    void requestFailed(Long userId, long endToEndNanos);

    /** A document prefix was encoded (in the background), taking {@code nanos}. */
    void prefixEncoded(int tokens, long nanos);

    RequestMetrics NONE = new RequestMetrics() {
        @Override
        public void requestFinished(Long userId, GenerationStats stats, long endToEndNanos) {
        }

        @Override
        public void requestFailed(Long userId, long endToEndNanos) {
        }

        @Override
        public void prefixEncoded(int tokens, long nanos) {
        }
    };
}
