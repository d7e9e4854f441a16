package dev.lectern.engine.kv;

/**
 * A snapshot of a {@link KvBlockPool}: blocks held by at least one sequence ({@code used}), by more than one
 * ({@code shared}), and whose memory has been allocated so far ({@code resident}; the rest of the budget is
 * not yet taken from the OS).
 */
public record KvPoolStats(int capacityBlocks, int usedBlocks, int sharedBlocks, int residentBlocks, long blockBytes) {

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

    public long residentBytes() {
        return residentBlocks * blockBytes;
    }
}
