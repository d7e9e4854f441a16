package dev.lectern.engine.generation;

import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.engine.model.Qwen3Forward;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.FinishReason;
import dev.lectern.engine.sampling.Sampler;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.engine.sampling.StopCondition;
import dev.lectern.engine.tokenizer.StreamingDecoder;

/**
 * Generates text for one sequence at a time: encodes the prompt in chunks (reporting progress), then
 * samples and decodes token by token, streaming complete characters to a listener, until a stop token,
 * a stop string, the token limit, the end of the context, or a cancellation. The scheduler issue will
 * batch several sequences; this is the single-sequence path the CLI and tests use.
 */
public final class Generator {

    /** Prompt tokens encoded per forward call: large enough to be matrix-matrix, small enough to report progress. */
    public static final int PREFILL_CHUNK = 256;

    private final Qwen3Model model;
    private final Qwen3Forward forward;
    private final int contextLength;
    private final KvDataType kvDataType;

    public Generator(Qwen3Model model, Backend backend, int contextLength, KvDataType kvDataType) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("the context length must be positive, got " + contextLength);
        }
        this.model = model;
        this.forward = new Qwen3Forward(model, backend);
        this.contextLength = contextLength;
        this.kvDataType = kvDataType;
    }

    /** Renders the conversation with the model's chat template and generates the assistant's answer. */
    public GenerationResult chat(List<ChatMessage> messages, boolean thinking, SamplingParameters parameters,
                                 GenerationListener listener, Cancellation cancellation) {
        String prompt = model.chatTemplate().renderForGeneration(messages, thinking);
        return generate(model.tokenizer().encode(prompt, true), parameters, listener, cancellation);
    }

    /**
     * Generates a continuation of {@code prompt}.
     *
     * @throws IllegalArgumentException when the prompt is empty or leaves no room in the context
     */
    public GenerationResult generate(int[] prompt, SamplingParameters parameters, GenerationListener listener,
                                     Cancellation cancellation) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prompt.length >= contextLength) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the context holds "
                    + contextLength + ", with room needed for at least one generated token");
        }
        // The context bounds the answer as surely as the request's own limit does.
        SamplingParameters bounded = parameters.withMaxTokens(Math.min(parameters.maxTokens(), contextLength - prompt.length));
        int vocabulary = model.config().vocabularySize();
        Sampler sampler = new Sampler(bounded, vocabulary);
        sampler.observe(prompt);
        StopCondition stop = StopCondition.of(bounded, StopCondition.chatStopTokenIds(model.tokenizer().vocabulary()));
        StreamingDecoder decoder = model.tokenizer().streamingDecoder();
        StringBuilder shown = new StringBuilder();
        int[] generated = new int[bounded.maxTokens()];
        int count = 0;

        long start = System.nanoTime();
        try (PagedKvCache cache = newCache()) {
            float[] logits = prefill(prompt, cache, listener, cancellation);
            long prefillEnd = System.nanoTime();
            long firstToken = 0;
            FinishReason reason = logits == null ? FinishReason.CANCELLED : null;
            while (reason == null) {
                if (cancellation.isCancelled()) {
                    stop.cancel();
                    reason = FinishReason.CANCELLED;
                    break;
                }
                int token = sampler.sample(logits);
                generated[count++] = token;
                if (count == 1) {
                    firstToken = System.nanoTime();
                }
                reason = stop.accept(token, stop.isStopToken(token) ? "" : decoder.accept(token));
                String text = stop.takeText();
                shown.append(text);
                listener.onToken(token, text, System.nanoTime() - start);
                if (reason == null) {
                    logits = decodeStep(token, cache);
                }
            }
            String rest = stop.takeText() + (reason == FinishReason.STOP_STRING ? "" : decoder.flush());
            if (!rest.isEmpty()) {
                shown.append(rest);
                listener.onToken(-1, rest, System.nanoTime() - start);
            }
            long end = System.nanoTime();
            GenerationStats stats = new GenerationStats(prompt.length, count,
                    count > 0 ? firstToken - start : 0, prefillEnd - start, count > 0 ? end - firstToken : 0,
                    reason, sampler.seed());
            return new GenerationResult(shown.toString(), Arrays.copyOf(generated, count), stats);
        }
    }

    /** A KV cache of this generator's context length and data type, the kind {@link #generate} uses. */
    public PagedKvCache newCache() {
        return new PagedKvCache(model.config().blockCount(), model.config().kvWidth(), contextLength, kvDataType,
                PagedKvCache.DEFAULT_BLOCK_SIZE);
    }

    /**
     * Encodes the prompt after whatever the cache holds (usually nothing) in chunks of {@link #PREFILL_CHUNK};
     * returns the logits after its last token, or null if cancelled. Public so that {@code lectern bench} times
     * the very path {@link #generate} takes, also at a depth.
     */
    public float[] prefill(int[] prompt, KvCache cache, GenerationListener listener, Cancellation cancellation) {
        int start = cache.length();
        float[] logits = null;
        for (int from = 0; from < prompt.length; from += PREFILL_CHUNK) {
            if (cancellation.isCancelled()) {
                return null;
            }
            int to = Math.min(prompt.length, from + PREFILL_CHUNK);
            int[] chunk = Arrays.copyOfRange(prompt, from, to);
            int[] positions = new int[chunk.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = start + from + i;
            }
            int[] rows = to == prompt.length ? new int[] {chunk.length - 1} : new int[0];
            logits = forward.forward(chunk, positions, cache, rows);
            listener.onPrefillProgress(to, prompt.length);
        }
        return logits;
    }

    /** Runs one generated token at the next position of the cache; returns its vocabulary-sized logits. */
    public float[] decodeStep(int token, KvCache cache) {
        return forward.forward(new int[] {token}, new int[] {cache.length()}, cache, new int[] {0});
    }
}
