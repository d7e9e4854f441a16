package dev.lectern.engine.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The one store of KV blocks that every sequence draws from, within a byte budget, and the RAM tier of the
 * prefix cache. A block is an int id; its memory is one page-aligned, off-heap segment of
 * {@link KvLayout#blockBytes()} (one segment per block, so the disk tier can write and map whole blocks),
 * allocated on first use and kept for reuse. Blocks carry reference counts: a sequence holds one reference
 * to each block of its table, and a block held by more than one (a shared prefix) is never written:
 * {@link KvSequence#reserve} copies it first.
 *
 * <p><b>Mapped blocks.</b> A block read back from a prefix file ({@link #loadBlocks}) may instead be a
 * read-only mapping of its range of the file (page-cache backed: no fresh memory to fault in and no copy).
 * Such a block is registered before anyone can see it, so it is never written; when its content is dropped
 * it is unmapped, and the slot gets ordinary memory the next time a writer needs it. Mapped or not, a block
 * is one slot of the budget: owned memory plus mapped blocks never exceed it.
 *
 * <p><b>Prefix cache.</b> A sequence registers each block it fills with its {@link BlockHash} (chained from
 * the model fingerprint over the token ids), and a new sequence's prompt is looked up block by block
 * ({@link #lookup}): every leading block already present is shared instead of computed, whoever computed
 * it. A registered block is immutable. When its last reference goes, it stays in the index, holding its
 * keys and values, in a least-recently-used list: free to be taken for new blocks, but a hit until it is
 * (vLLM's free queue: "free" and "cached" need no second structure). Allocation takes never-cached blocks
 * first, then new memory, then the least recently used cached blocks.
 *
 * <p>Allocation and release are synchronized (a few per 64 positions); reading a block's segment is not,
 * since its owner hands it to kernel threads through the worker pool, which orders the accesses.
 */
public final class KvBlockPool implements AutoCloseable {

    private static final int NONE = -1;

    private final KvLayout layout;
    private final int capacity;
    private final BlockHash seed;
    private final Arena[] arenas;
    private final MemorySegment[] segments;
    /** Whether a block's segment maps a prefix file (read-only) rather than memory the pool owns. */
    private final boolean[] mapped;
    private final int[] references;
    /** Blocks whose memory exists, that nobody holds and that hold nothing cached: reused first. */
    private final int[] plainFree;
    private int plainFreeCount;
    /** Blocks from this id on have never been allocated. */
    private int untouched;
    /** Blocks below {@link #untouched} that hold no memory now (a mapping was dropped), held by nobody. */
    private final int[] bare;
    private int bareCount;
    private int ownedBlocks;
    private int mappedBlocks;
    /** Each registered block's hash (null otherwise), and the index from hash to block. */
    private final BlockHash[] hashes;
    private final Map<BlockHash, Integer> index = new HashMap<>();
    /** Cached free blocks (registered, held by nobody), least recently used first: a doubly linked list. */
    private final int[] previous;
    private final int[] next;
    private int lruHead = NONE;
    private int lruTail = NONE;
    private int cachedFreeBlocks;
    private int usedBlocks;
    private int sharedBlocks;
    private long queriedTokens;
    private long hitTokens;
    private long evictedBlocks;
    private boolean closed;

    /**
     * @param budgetBytes  the most memory the blocks may take; rounded down to whole blocks
     * @param fingerprint  what the cached keys and values depend on besides the tokens: the model file, its
     *                     tokenizer and chat template, the KV type and the layout
     * @throws IllegalArgumentException if the budget does not hold a single block
     */
    public KvBlockPool(KvLayout layout, long budgetBytes, byte[] fingerprint) {
        this.layout = layout;
        long blocks = budgetBytes / layout.blockBytes();
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV budget of " + budgetBytes + " bytes does not hold one block of "
                    + layout.blockBytes() + " bytes (" + layout.blockSize() + " positions of " + layout.layers()
                    + " layers)");
        }
        this.capacity = (int) Math.min(blocks, Integer.MAX_VALUE - 8);
        this.seed = BlockHash.seed(fingerprint);
        this.arenas = new Arena[capacity];
        this.segments = new MemorySegment[capacity];
        this.mapped = new boolean[capacity];
        this.bare = new int[capacity];
        this.references = new int[capacity];
        this.plainFree = new int[capacity];
        this.hashes = new BlockHash[capacity];
        this.previous = new int[capacity];
        this.next = new int[capacity];
    }

    /** A pool whose cache is keyed by the layout alone: for tools and tests with one model. */
    public KvBlockPool(KvLayout layout, long budgetBytes) {
        this(layout, budgetBytes, layout.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

    /** The hash chain's start for this pool's model. */
    public BlockHash seed() {
        return seed;
    }

    /** An empty sequence of at most {@code capacity} positions (the context length). */
    public KvSequence newSequence(int capacity) {
        return new KvSequence(this, capacity, new int[0], 0, null);
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
        return new KvSequence(this, capacity, blocks, prefix.length(), prefix.tokens());
    }

    /**
     * The longest run of whole leading blocks of {@code tokens} that the cache holds, as a prefix the caller
     * owns (each block gains a reference; a cached free block leaves the LRU list), or null when not even
     * the first block is cached. Counts the lookup in the pool's query and hit statistics.
     */
    public synchronized KvPrefix lookup(int[] tokens) {
        KvPrefix found = find(tokens);
        countQuery(tokens.length, found == null ? 0 : found.length());
        return found;
    }

    /** Counts a prompt of {@code queried} tokens that started from {@code hit} cached ones (found elsewhere). */
    public synchronized void countQuery(int queried, int hit) {
        queriedTokens += queried;
        hitTokens += hit;
    }

    /** As {@link #lookup}, without counting: for the cache's own bookkeeping, which is not a prompt's query. */
    public synchronized KvPrefix find(int[] tokens) {
        checkOpen();
        int blockSize = layout.blockSize();
        int full = tokens.length / blockSize;
        int[] found = new int[full];
        int hits = 0;
        BlockHash hash = seed;
        while (hits < full) {
            hash = hash.next(tokens, hits * blockSize, blockSize);
            Integer block = index.get(hash);
            if (block == null) {
                break;
            }
            found[hits++] = block;
        }
        if (hits == 0) {
            return null;
        }
        int[] blocks = Arrays.copyOf(found, hits);
        for (int block : blocks) {
            retain(block);
        }
        return new KvPrefix(this, blocks, Arrays.copyOf(tokens, hits * blockSize));
    }

    /**
     * The blocks of {@code tokens} (whole blocks only) as a prefix the caller owns: blocks the cache already
     * holds are shared; the others are taken from {@code source} (outside the pool's lock: it reads a file),
     * mapped when it can map them, else read into allocated blocks, and registered. Stops at the first block
     * it cannot allocate; null if it got none.
     */
    KvPrefix loadBlocks(int[] tokens, KvPrefixFile.BlockSource source) throws java.io.IOException {
        int blockSize = layout.blockSize();
        int count = tokens.length / blockSize;
        boolean maps = source.maps();
        int[] held = new int[count];
        int holding = 0;
        int loaded = 0;
        BlockHash hash = seed;
        try {
            for (; loaded < count; loaded++) {
                hash = hash.next(tokens, loaded * blockSize, blockSize);
                int block;
                boolean fresh;
                synchronized (this) {
                    checkOpen();
                    Integer cached = index.get(hash);
                    if (cached != null) {
                        retain(cached);
                        block = cached;
                        fresh = false;
                    } else {
                        int taken = maps ? takeBare() : allocateOne();
                        if (taken == NONE) {
                            break;
                        }
                        block = taken;
                        fresh = true;
                    }
                }
                held[loaded] = block;
                holding++;
                if (fresh) {
                    if (maps) {
                        map(block, loaded, source);
                    } else {
                        source.read(loaded, segments[block]);
                    }
                    held[loaded] = registerOrShare(block, hash);
                }
            }
        } catch (java.io.IOException | RuntimeException failure) {
            releaseAll(held, 0, holding);
            throw failure;
        }
        if (loaded == 0) {
            return null;
        }
        return new KvPrefix(this, Arrays.copyOf(held, loaded), Arrays.copyOf(tokens, loaded * blockSize));
    }

    /** Gives the bare block {@code block} (held by the caller) the source's mapping of the prefix's block. */
    private void map(int block, int inPrefix, KvPrefixFile.BlockSource source) throws java.io.IOException {
        Arena arena = Arena.ofShared();
        MemorySegment segment;
        try {
            segment = source.map(inPrefix, arena);
        } catch (java.io.IOException | RuntimeException failure) {
            arena.close();
            throw failure;
        }
        synchronized (this) {
            if (closed) {
                arena.close();
                throw new IllegalStateException("the KV block pool is closed");
            }
            arenas[block] = arena;
            segments[block] = segment;
            mapped[block] = true;
            mappedBlocks++;
        }
    }

    /**
     * Registers a block just read or mapped; if another thread registered the same content meanwhile, the
     * caller holds that one instead, and this one is given back.
     */
    private synchronized int registerOrShare(int block, BlockHash hash) {
        checkOpen();
        if (register(block, hash)) {
            return block;
        }
        int other = index.get(hash);
        retain(other);
        release(block);
        return other;
    }

    /**
     * Records that {@code block} holds the content {@code hash} names, so lookups find it; from now on it is
     * never written. Returns false, changing nothing, when another block already stands for that content
     * (two sequences computed the same prefix at once: the first one registered serves later lookups).
     */
    synchronized boolean register(int block, BlockHash hash) {
        checkOpen();
        if (hashes[block] != null || index.containsKey(hash)) {
            return false;
        }
        hashes[block] = hash;
        index.put(hash, block);
        return true;
    }

    /** Whether lookups can find {@code block}: then it is immutable, and a writer copies it. */
    synchronized boolean isRegistered(int block) {
        return hashes[block] != null;
    }

    /** Blocks {@link #allocate} can still hand out: never used, plainly free, or cached but unreferenced. */
    public synchronized int freeBlocks() {
        return capacity - usedBlocks;
    }

    /** The current counts, consistent with each other. */
    public synchronized KvPoolStats stats() {
        return new KvPoolStats(capacity, usedBlocks, sharedBlocks, cachedFreeBlocks, ownedBlocks, mappedBlocks,
                layout.blockBytes(), index.size(), queriedTokens, hitTokens, evictedBlocks);
    }

    /**
     * {@code count} blocks, each held once by the caller, or null (and nothing taken) when fewer are free:
     * all or nothing, so a sequence that has to wait does not sit on part of what it needs. Plainly free
     * blocks go first, then new memory, then the least recently used cached blocks (their content dropped).
     * Every block returned is writable memory the pool owns, never a mapping.
     */
    synchronized int[] allocate(int count) {
        checkOpen();
        if (count > capacity - usedBlocks) {
            return null;
        }
        int[] blocks = new int[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = allocateOne();
        }
        return blocks;
    }

    /** One writable block held once by the caller, or NONE when none is free. */
    private int allocateOne() {
        if (usedBlocks >= capacity) {
            return NONE;
        }
        int block;
        if (plainFreeCount > 0) {
            block = plainFree[--plainFreeCount];
        } else if (bareCount > 0 || untouched < capacity) {
            block = bareCount > 0 ? bare[--bareCount] : untouched++;
            own(block);
        } else {
            block = lruHead;
            evict(block);
            if (mapped[block]) {
                dropMemory(block);
                own(block);
            }
        }
        references[block] = 1;
        usedBlocks++;
        return block;
    }

    /**
     * One block with no memory, held once by the caller, for a mapping; NONE when none is free. Blocks that
     * never had memory or gave it back go first, then plainly free ones (their memory given back: the mapping
     * takes its place in the budget), then the least recently used cached blocks.
     */
    private int takeBare() {
        if (usedBlocks >= capacity) {
            return NONE;
        }
        int block;
        if (bareCount > 0) {
            block = bare[--bareCount];
        } else if (untouched < capacity) {
            block = untouched++;
        } else if (plainFreeCount > 0) {
            block = plainFree[--plainFreeCount];
            dropMemory(block);
        } else {
            block = lruHead;
            evict(block);
            dropMemory(block);
        }
        references[block] = 1;
        usedBlocks++;
        return block;
    }

    /** Takes a cached free block's content away: it leaves the LRU list and the index. */
    private void evict(int block) {
        unlink(block);
        index.remove(hashes[block]);
        hashes[block] = null;
        evictedBlocks++;
    }

    private void own(int block) {
        arenas[block] = Arena.ofShared();
        segments[block] = arenas[block].allocate(layout.blockBytes(), KvLayout.PAGE);
        ownedBlocks++;
    }

    /** Frees (or unmaps) a block's memory; the block stays a slot of the budget. */
    private void dropMemory(int block) {
        arenas[block].close();
        arenas[block] = null;
        segments[block] = null;
        if (mapped[block]) {
            mapped[block] = false;
            mappedBlocks--;
        } else {
            ownedBlocks--;
        }
    }

    synchronized void retainAll(int[] blocks) {
        checkOpen();
        for (int block : blocks) {
            if (references[block] < 1) {
                throw new IllegalStateException("KV block " + block + " is free and cannot be shared");
            }
            retain(block);
        }
    }

    /** One more reference; a cached free block comes off the LRU list and is in use again. */
    private void retain(int block) {
        int held = references[block];
        if (held == 0) {
            unlink(block);
            usedBlocks++;
        } else if (held == 1) {
            sharedBlocks++;
        }
        references[block] = held + 1;
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
                if (hashes[block] != null) {
                    appendToLru(block);
                } else if (segments[block] == null || mapped[block]) {
                    // Unregistered mapped memory (a load that failed or lost a race) is never handed to a writer.
                    if (segments[block] != null) {
                        dropMemory(block);
                    }
                    bare[bareCount++] = block;
                } else {
                    plainFree[plainFreeCount++] = block;
                }
            }
        }
    }

    synchronized void release(int block) {
        releaseAll(new int[] {block}, 0, 1);
    }

    synchronized int references(int block) {
        return references[block];
    }

    /** The memory of a block its caller holds: read-only when the block maps a file. */
    MemorySegment segment(int block) {
        MemorySegment segment = segments[block];
        if (segment == null) {
            throw new IllegalStateException("KV block " + block + " was never allocated");
        }
        return segment;
    }

    private void appendToLru(int block) {
        previous[block] = lruTail;
        next[block] = NONE;
        if (lruTail == NONE) {
            lruHead = block;
        } else {
            next[lruTail] = block;
        }
        lruTail = block;
        cachedFreeBlocks++;
    }

    private void unlink(int block) {
        int before = previous[block];
        int after = next[block];
        if (before == NONE) {
            lruHead = after;
        } else {
            next[before] = after;
        }
        if (after == NONE) {
            lruTail = before;
        } else {
            previous[after] = before;
        }
        cachedFreeBlocks--;
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
            if (arenas[block] != null) {
                dropMemory(block);
            }
        }
        Arrays.fill(references, 0);
        index.clear();
    }
}
