package dev.lectern.engine.generation;

import dev.lectern.engine.sampling.FinishReason;

/**
 * What a generation cost: prompt size and how much of it came from cached KV, time queued, time to the
 * first token (from submission: what the user waits), prefill time (from admission to the prompt's last
 * logits), and the decode rate over the tokens after the first.
 */
public record GenerationStats(int promptTokens, int cachedTokens, int generatedTokens, long queueNanos,
                              long timeToFirstTokenNanos, long prefillNanos, long decodeNanos, FinishReason finishReason,
                              long seed) {

    /** Prompt tokens encoded by this request (not taken from the cache) per second of prefill. */
    public double prefillTokensPerSecond() {
        return prefillNanos > 0 ? (promptTokens - cachedTokens) * 1e9 / prefillNanos : 0;
    }

    /** Tokens after the first, per second of the time they took (the first token's cost is prefill's). */
    public double decodeTokensPerSecond() {
        return generatedTokens > 1 && decodeNanos > 0 ? (generatedTokens - 1) * 1e9 / decodeNanos : 0;
    }

    public String describe() {
        return String.format("%d prompt tokens (%d cached) in %.2f s (%.1f tok/s), first token after %.2f s, %d tokens"
                        + " generated at %.2f tok/s, finished by %s", promptTokens, cachedTokens, prefillNanos / 1e9,
                prefillTokensPerSecond(), timeToFirstTokenNanos / 1e9, generatedTokens, decodeTokensPerSecond(),
                finishReason);
    }
}
