package dev.lectern.engine.generation;

import dev.lectern.engine.kv.KvPrefix;

/**
 * The text shown to the user, the token ids generated (stop token included), the costs, and, when the
 * request asked to keep it, the KV of everything the model has read ({@code kept}, owned by the caller,
 * who must close it; null otherwise).
 */
public record GenerationResult(String text, int[] tokens, GenerationStats stats, KvPrefix kept) {

    public GenerationResult(String text, int[] tokens, GenerationStats stats) {
        this(text, tokens, stats, null);
    }
}
