package dev.lectern.inference;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.chat.ChatTokens;
import dev.lectern.engine.sched.SequenceStats;

/**
 * The one door to the engine for chat, the OpenAI-compatible API and document encoding: prompts go in as
 * token ids, progress, tokens and statistics come back as a stream, and cancelling the stream cancels the
 * request. Nothing here exposes the scheduler, so a second implementation can forward to a remote
 * serving engine (docs/DESIGN.md, "Beyond one machine").
 */
public interface InferenceService {

    EngineStatus status();

    /** The sequences the engine runs now, with the KV each holds (none without a model). */
    default List<SequenceStats> sequences() {
        return List.of();
    }

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
     * The key a prefix of these token ids has in the cache (it depends on the model too).
     *
     * @throws EngineUnavailableException when no model is loaded
     */
    String prefixKey(int[] tokens);

    /**
     * Encodes {@code tokens} once, in the background, and keeps them as a named, pinned cache entry (RAM and
     * disk): later prompts that start with them reuse it. Completes at once for an entry that exists, joins
     * one being encoded. {@code progress} hears the encoding's progress (on the engine's thread: do not block).
     *
     * @throws EngineUnavailableException when no model is loaded
     */
    CompletableFuture<PrefixInfo> encodePrefix(int[] tokens, String label, Consumer<GenerationEvent.Progress> progress);

    /** A cache entry by key; empty when there is none (or no model). */
    Optional<PrefixInfo> prefix(String key);

    /** Every cache entry, oldest first. */
    List<PrefixInfo> prefixes();

    /** Pins or unpins an entry (a pinned entry keeps its file, and its blocks in RAM within a share of the budget). */
    Optional<PrefixInfo> setPinned(String key, boolean pinned);

    /** Lets an entry's blocks leave RAM; they stay on disk and come back when asked for. */
    Optional<PrefixInfo> evictFromRam(String key);

    /** Forgets an entry: its blocks, file and row (an encoding in progress is cancelled). */
    void deletePrefix(String key);

    /**
     * Queues a request; its events stream as it runs. It starts from every leading block the cache holds, read
     * back from disk if need be: this may block on file reads, so call it off the event loop.
     *
     * @throws EngineUnavailableException when no model is loaded
     * @throws dev.lectern.engine.generation.GenerationFailure when the engine refuses it at once (queue full,
     *                                                         prompt too long, KV budget too small)
     */
    GenerationStream submit(PromptRequest request);
}
