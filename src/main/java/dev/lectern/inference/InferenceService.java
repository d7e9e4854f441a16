package dev.lectern.inference;

import java.time.Duration;
import java.util.List;

import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.chat.ChatTokens;

/**
 * The one door to the engine for chat, the OpenAI-compatible API and document encoding: prompts go in as
 * token ids, progress, tokens and statistics come back as a stream, and cancelling the stream cancels the
 * request. Nothing here exposes the scheduler, so a second implementation can forward to a remote
 * serving engine (docs/DESIGN.md, "Beyond one machine").
 */
public interface InferenceService {

    EngineStatus status();

    /**
     * The token ids of a conversation in the model's chat template, ready for the assistant's answer. Only
     * the template's markers are control tokens; message text is tokenized as plain text.
     *
     * @throws EngineUnavailableException when no model is loaded
     */
    int[] encodeChat(List<ChatMessage> messages, boolean thinking);

    /**
     * An empty conversation in the model's chat template, built by appending turns as token ids: the way to
     * build prompts whose earlier turns the prefix cache reuses.
     *
     * @throws EngineUnavailableException when no model is loaded
     */
    ChatTokens chatTokens();

    /**
     * Waits up to {@code timeout} for a loading model to be ready or to fail; returns the status then (at
     * once when it is not loading).
     */
    EngineStatus awaitReady(Duration timeout);

    /**
     * Plain text as token ids, special-token parsing off.
     *
     * @throws EngineUnavailableException when no model is loaded
     */
    int[] encodeText(String text);

    /**
     * Queues a request; its events stream as it runs.
     *
     * @throws EngineUnavailableException when no model is loaded
     * @throws dev.lectern.engine.generation.GenerationFailure when the engine refuses it at once (queue full,
     *                                                         prompt too long, KV budget too small)
     */
    GenerationStream submit(PromptRequest request);
}
