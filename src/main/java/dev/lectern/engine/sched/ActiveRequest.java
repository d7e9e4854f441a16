package dev.lectern.engine.sched;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.KvSequence;
import dev.lectern.engine.sampling.Sampler;
import dev.lectern.engine.sampling.StopCondition;
import dev.lectern.engine.tokenizer.StreamingDecoder;

/**
 * A request inside the scheduler, from submission to its end. Its tokens are the prompt followed by what
 * it has generated; its KV sequence holds the first {@code kv.length()} of them. What is left to run is
 * {@link #remaining()} rows: many while the prompt is encoded, one (the last sampled token) per decoding
 * step, and all of them again if the sequence was preempted and its KV given back. Fields other than the
 * handle's are touched by the engine thread only.
 */
final class ActiveRequest implements RequestHandle {

    final long id;
    final GenerationRequest request;
    final long submittedNanos;
    private final int queuePosition;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final Runnable wakeEngine;

    /** Positions of the prompt and generated tokens; the engine never writes past the context. */
    final int maxTokens;
    int[] tokens;
    int tokenCount;
    int generated;
    KvSequence kv;
    Sampler sampler;
    StopCondition stop;
    StreamingDecoder decoder;
    final StringBuilder shown = new StringBuilder();
    boolean promptEncoded;
    /** Prompt tokens whose KV came from the cache when the request started. */
    int cachedTokens;
    /** When the sequence last failed to get KV blocks, or -1 while it is not waiting for them. */
    long stalledSince = -1;
    long admittedNanos;
    long prefillDoneNanos;
    long firstTokenNanos;
    long lastTokenNanos;

    ActiveRequest(long id, GenerationRequest request, int queuePosition, int maxTokens, Runnable wakeEngine) {
        this.id = id;
        this.request = request;
        this.queuePosition = queuePosition;
        this.maxTokens = maxTokens;
        this.wakeEngine = wakeEngine;
        this.submittedNanos = System.nanoTime();
        this.tokens = Arrays.copyOf(request.prompt(), request.prompt().length + Math.min(maxTokens, 256));
        this.tokenCount = request.prompt().length;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int queuePosition() {
        return queuePosition;
    }

    @Override
    public void cancel() {
        request.cancellation().cancel();
        wakeEngine.run();
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    int promptLength() {
        return request.prompt().length;
    }

    /** Rows still to run before the next token can be sampled. */
    int remaining() {
        return tokenCount - kv.length();
    }

    /** Whether the next step for this sequence is a single decoding row. */
    boolean isDecoding() {
        return kv != null && remaining() == 1 && promptEncoded;
    }

    void append(int token) {
        if (tokenCount == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[tokenCount++] = token;
        generated++;
    }

    /** The tokens whose keys and values the sequence holds. */
    int[] encodedTokens() {
        return Arrays.copyOf(tokens, kv.length());
    }

    int[] generatedTokens() {
        return Arrays.copyOfRange(tokens, promptLength(), tokenCount);
    }
}
