package dev.lectern.engine.kv;

/**
 * A snapshot of a {@link KvBlockPool}: blocks held by at least one sequence or prefix ({@code used}), by more
 * than one ({@code shared}), held by none but still holding cached content ({@code cached}: free, and a hit
 * until taken), registered in the prefix index ({@code indexed}: in use or cached), whose memory the pool has
 * taken from the OS ({@code resident}), that map a prefix file read-only instead ({@code mapped}: page cache,
 * which the kernel may drop and read again); resident and mapped blocks together never exceed the capacity.
 * And the prefix cache's lookups since start: prompt tokens looked up, tokens found, cached blocks dropped for
 * new ones.
 */
public record KvPoolStats(int capacityBlocks, int usedBlocks, int sharedBlocks, int cachedBlocks, int residentBlocks,
                          int mappedBlocks, long blockBytes, int indexedBlocks, long queriedTokens, long hitTokens,
                          long evictedBlocks) {

    public int freeBlocks() {
        return capacityBlocks - usedBlocks;
    }

    public long capacityBytes() {
        return capacityBlocks * blockBytes;
    }

    public long usedBytes() {
        return usedBlocks * blockBytes;
    }

    public long sharedBytes() {
        return sharedBlocks * blockBytes;
    }

    public long cachedBytes() {
        return cachedBlocks * blockBytes;
    }

    public long residentBytes() {
        return residentBlocks * blockBytes;
    }

    public long mappedBytes() {
        return mappedBlocks * blockBytes;
    }

    /** Share of looked-up prompt tokens the cache held, 0 before the first lookup. */
    public double hitRate() {
        return queriedTokens == 0 ? 0 : (double) hitTokens / queriedTokens;
    }
}
