package dev.lectern.inference;

import dev.lectern.engine.generation.GenerationStats;

/**
 * What a client of {@link InferenceService} sees of one request, in order: {@link Started} once it leaves
 * the queue, {@link Progress} while its prompt is encoded, {@link Token} for each piece of answer text, and
 * exactly one terminal event, {@link Done} or {@link Failed}.
 */
public sealed interface GenerationEvent {

    /** The request runs; {@code cachedTokens} of its prompt come from the KV cache. */
    record Started(int cachedTokens) implements GenerationEvent {
    }

    /** {@code done} of {@code total} prompt tokens encoded; {@code etaSeconds} is -1 until the engine can estimate. */
    record Progress(int done, int total, double etaSeconds) implements GenerationEvent {
    }

    /** Answer text that may be shown now (possibly empty), and its token id (-1 for text released at the end). */
    record Token(int tokenId, String text) implements GenerationEvent {
    }

    /**
     * The answer ended: {@code finishReason} is stop (the model ended its turn), length (the token limit),
     * or cancelled. {@code tokens} are the ids generated, for building the next turn's prompt without
     * re-tokenizing the text.
     */
    record Done(String finishReason, GenerationStats stats, int[] tokens) implements GenerationEvent {
    }

    /** The request failed; {@code code} is a {@code GenerationFailure.Code} name or {@code MODEL_NOT_LOADED}. */
    record Failed(String code, String message) implements GenerationEvent {
    }
}
