package dev.lectern.engine.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The one store of KV blocks that every sequence draws from, within a byte budget. A block is an int id;
 * its memory is one page-aligned, off-heap segment of {@link KvLayout#blockBytes()} (one segment per block,
 * so the disk tier can write and map whole blocks), allocated on first use and kept for reuse. Blocks carry
 * reference counts: a sequence holds one reference to each block of its table, and a block held by more
 * than one (a shared prefix) is never written: {@link KvSequence#reserve} copies it first.
 *
 * <p>Allocation and release are synchronized (a few per 64 positions); reading a block's segment is not,
 * since its owner hands it to kernel threads through the worker pool, which orders the accesses.
 */
public final class KvBlockPool implements AutoCloseable {

    private final KvLayout layout;
    private final int capacity;
    private final Arena[] arenas;
    private final MemorySegment[] segments;
    private final int[] references;
    /** Blocks whose memory exists and that nobody holds, most recently freed last (reused first, still warm). */
    private final int[] free;
    private int freeCount;
    /** Blocks from this id on have never been allocated. */
    private int untouched;
    private int usedBlocks;
    private int sharedBlocks;
    private boolean closed;

    /**
     * @param budgetBytes the most memory the blocks may take; rounded down to whole blocks
     * @throws IllegalArgumentException if the budget does not hold a single block
     */
    public KvBlockPool(KvLayout layout, long budgetBytes) {
        this.layout = layout;
        long blocks = budgetBytes / layout.blockBytes();
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV budget of " + budgetBytes + " bytes does not hold one block of "
                    + layout.blockBytes() + " bytes (" + layout.blockSize() + " positions of " + layout.layers()
                    + " layers)");
        }
        this.capacity = (int) Math.min(blocks, Integer.MAX_VALUE - 8);
        this.arenas = new Arena[capacity];
        this.segments = new MemorySegment[capacity];
        this.references = new int[capacity];
        this.free = new int[capacity];
    }

    /** A pool holding exactly {@code blocks} blocks. */
    public static KvBlockPool ofBlocks(KvLayout layout, int blocks) {
        return new KvBlockPool(layout, Math.multiplyExact((long) blocks, layout.blockBytes()));
    }

    public KvLayout layout() {
        return layout;
    }

    /** The most blocks the budget holds. */
    public int capacity() {
        return capacity;
    }

    /** An empty sequence of at most {@code capacity} positions (the context length). */
    public KvSequence newSequence(int capacity) {
        return new KvSequence(this, capacity, new int[0], 0);
    }

    /**
     * A sequence that starts with {@code prefix}'s blocks (shared, by reference) and length; writing past it
     * copies a partial last block first.
     */
    public KvSequence newSequence(int capacity, KvPrefix prefix) {
        if (prefix.pool() != this) {
            throw new IllegalArgumentException("the prefix belongs to another KV pool");
        }
        int[] blocks = prefix.blocks();
        retainAll(blocks);
        return new KvSequence(this, capacity, blocks, prefix.length());
    }

    /** Blocks nobody holds, allocated or not: what {@link #allocate} can still hand out. */
    public synchronized int freeBlocks() {
        return capacity - usedBlocks;
    }

    /** The current counts, consistent with each other. */
    public synchronized KvPoolStats stats() {
        return new KvPoolStats(capacity, usedBlocks, sharedBlocks, untouched, layout.blockBytes());
    }

    /**
     * {@code count} blocks, each held once by the caller, or null (and nothing taken) when fewer are free:
     * all or nothing, so a sequence that has to wait does not sit on part of what it needs.
     */
    synchronized int[] allocate(int count) {
        checkOpen();
        if (count > capacity - usedBlocks) {
            return null;
        }
        int[] blocks = new int[count];
        for (int i = 0; i < count; i++) {
            int block;
            if (freeCount > 0) {
                block = free[--freeCount];
            } else {
                block = untouched++;
                arenas[block] = Arena.ofShared();
                segments[block] = arenas[block].allocate(layout.blockBytes(), KvLayout.PAGE);
            }
            references[block] = 1;
            blocks[i] = block;
        }
        usedBlocks += count;
        return blocks;
    }

    synchronized void retainAll(int[] blocks) {
        checkOpen();
        for (int block : blocks) {
            int held = references[block];
            if (held < 1) {
                throw new IllegalStateException("KV block " + block + " is free and cannot be shared");
            }
            references[block] = held + 1;
            if (held == 1) {
                sharedBlocks++;
            }
        }
    }

    synchronized void releaseAll(int[] blocks, int from, int to) {
        if (closed) {
            return;
        }
        for (int i = from; i < to; i++) {
            int block = blocks[i];
            int held = references[block];
            if (held < 1) {
                throw new IllegalStateException("KV block " + block + " released more often than it was held");
            }
            references[block] = held - 1;
            if (held == 2) {
                sharedBlocks--;
            } else if (held == 1) {
                usedBlocks--;
                free[freeCount++] = block;
            }
        }
    }

    synchronized void release(int block) {
        releaseAll(new int[] {block}, 0, 1);
    }

    synchronized int references(int block) {
        return references[block];
    }

    /** The memory of a block its caller holds. */
    MemorySegment segment(int block) {
        MemorySegment segment = segments[block];
        if (segment == null) {
            throw new IllegalStateException("KV block " + block + " was never allocated");
        }
        return segment;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KV block pool is closed");
        }
    }

    /** Frees every block's memory; sequences of this pool must not be used after. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int block = 0; block < untouched; block++) {
            arenas[block].close();
            arenas[block] = null;
            segments[block] = null;
        }
        Arrays.fill(references, 0);
    }
}
