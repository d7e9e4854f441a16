package dev.lectern.inference;

import java.util.Objects;

import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.sampling.SamplingParameters;

/**
 * A prompt as token ids (see {@link InferenceService#encodeChat}), how to sample its answer, and who is
 * waiting for it. The answer ends at the model's chat stop tokens, a stop string, or the token limit.
 */
public record PromptRequest(int[] promptTokens, SamplingParameters parameters, Priority priority) {

    public PromptRequest {
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(priority, "priority");
    }

    public static PromptRequest interactive(int[] promptTokens, SamplingParameters parameters) {
        return new PromptRequest(promptTokens, parameters, Priority.INTERACTIVE);
    }
}
