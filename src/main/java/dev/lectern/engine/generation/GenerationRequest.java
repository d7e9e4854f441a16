package dev.lectern.engine.generation;

import java.util.Objects;
import java.util.Set;

import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.sampling.SamplingParameters;

/**
 * One request to the engine: the prompt's token ids, how to sample, which tokens end it, its priority,
 * who to tell, and how to cancel it. It may start from a {@link KvPrefix} its prompt begins with (the
 * prefix cache's blocks; only the rest is encoded), and may ask to keep its KV when it ends.
 *
 * @param stopTokenIds tokens that end generation (the chat template's); empty to stop only at the limit
 * @param prefix       cached KV of the prompt's first tokens, or null; the caller keeps ownership
 * @param keepKv       whether the result carries a {@link KvPrefix} of everything the model read
 */
public record GenerationRequest(int[] prompt, SamplingParameters parameters, Set<Integer> stopTokenIds,
                                Priority priority, KvPrefix prefix, boolean keepKv, GenerationListener listener,
                                Cancellation cancellation) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(parameters, "parameters");
        stopTokenIds = Set.copyOf(stopTokenIds);
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancellation, "cancellation");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prefix != null && !prefix.isPrefixOf(prompt)) {
            throw new IllegalArgumentException("the cached prefix's " + prefix.length()
                    + " tokens are not the start of the prompt");
        }
    }

    /** An interactive request that starts from scratch and keeps nothing. */
    public static GenerationRequest of(int[] prompt, SamplingParameters parameters, Set<Integer> stopTokenIds,
                                       GenerationListener listener) {
        return new GenerationRequest(prompt, parameters, stopTokenIds, Priority.INTERACTIVE, null, false, listener,
                new Cancellation());
    }

    public GenerationRequest withPriority(Priority value) {
        return new GenerationRequest(prompt, parameters, stopTokenIds, value, prefix, keepKv, listener, cancellation);
    }

    public GenerationRequest startingFrom(KvPrefix value) {
        return new GenerationRequest(prompt, parameters, stopTokenIds, priority, value, keepKv, listener, cancellation);
    }

    public GenerationRequest keepingKv() {
        return new GenerationRequest(prompt, parameters, stopTokenIds, priority, prefix, true, listener, cancellation);
    }

    public GenerationRequest withCancellation(Cancellation value) {
        return new GenerationRequest(prompt, parameters, stopTokenIds, priority, prefix, keepKv, listener, value);
    }

    /** Prompt tokens already encoded in the prefix. */
    public int cachedTokens() {
        return prefix == null ? 0 : prefix.length();
    }
}
