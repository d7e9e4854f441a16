package dev.lectern.engine.sched;

import dev.lectern.engine.generation.Priority;

/**
 * One running sequence as an operator sees it: its request, whether someone waits for it, its prompt (and
 * how much of it came from the cache), tokens generated, positions held in KV, and the KV blocks it holds
 * (those shared with other sequences or cached prefixes counted apart: they cost nothing extra).
 */
public record SequenceStats(long requestId, Priority priority, int promptTokens, int cachedTokens, int generatedTokens,
                            int positions, int blocks, int sharedBlocks, long bytes) {
}
