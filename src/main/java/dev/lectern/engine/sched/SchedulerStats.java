package dev.lectern.engine.sched;

import dev.lectern.engine.kv.KvPoolStats;

/**
 * What the engine is doing: sequences in the batch and waiting, steps run, tokens encoded and generated
 * since start, the recent prefill rate (tokens/s, 0 before the first prefill), the prompt chunk it gives a
 * step beside decoding rows (0 before the first such step), and the KV pool.
 */
public record SchedulerStats(int running, int queued, long steps, long promptTokens, long cachedPromptTokens,
                             long generatedTokens, double prefillTokensPerSecond, double prefillChunkWithDecoders,
                             KvPoolStats kv) {
}
