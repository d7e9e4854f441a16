package dev.lectern.engine.sched;

import dev.lectern.engine.kv.KvPoolStats;

/**
 * What the engine is doing: sequences in the batch and waiting, steps run, tokens encoded and generated
 * since start, the recent prefill rate (tokens/s, 0 before the first prefill), and the KV pool.
 */
public record SchedulerStats(int running, int queued, long steps, long promptTokens, long cachedPromptTokens,
                             long generatedTokens, double prefillTokensPerSecond, KvPoolStats kv) {
}
