package dev.lectern.inference;

import java.util.Objects;

import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.sampling.SamplingParameters;

/**
 * A prompt as token ids (see {@link InferenceService#encodeChat}), how to sample its answer, who is waiting
 * for it, and whose it is ({@code userId}, null when unknown: the per-user figures of the admin page and
 * the metrics count it under nobody). The answer ends at the model's chat stop tokens, a stop string, or
 * the token limit.
 */
public record PromptRequest(int[] promptTokens, SamplingParameters parameters, Priority priority, Long userId) {

    public PromptRequest {
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(priority, "priority");
    }

    public PromptRequest(int[] promptTokens, SamplingParameters parameters, Priority priority) {
        this(promptTokens, parameters, priority, null);
    }

    public static PromptRequest interactive(int[] promptTokens, SamplingParameters parameters) {
        return new PromptRequest(promptTokens, parameters, Priority.INTERACTIVE);
    }

    /** This request, counted as {@code userId}'s. */
    public PromptRequest forUser(long userId) {
        return new PromptRequest(promptTokens, parameters, priority, userId);
    }
}
