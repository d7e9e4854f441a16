package dev.lectern.engine.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import dev.lectern.engine.tensor.Q8_0Tensor;

/**
 * One sequence's {@link KvCache} over a {@link KvBlockPool}: a block table (position / blockSize → block)
 * that only grows at its end, one reference held to each block. Positions are written only after
 * {@link #reserve} has made their blocks present and private: a block this sequence shares with others
 * (a cached prefix) is copied before its first write, so shared blocks are never written.
 *
 * <p>Used by one thread at a time (the engine's); {@link #close} gives every block back, once.
 */
public final class KvSequence implements KvCache, AutoCloseable {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final KvBlockPool pool;
    private final KvLayout layout;
    private final int capacity;
    private int[] table;
    private int blocks;
    private int length;
    /** Positions length..writableEnd-1 lie in blocks that are present and held only by this sequence. */
    private int writableEnd;
    private boolean closed;

    /** How many leading full blocks are registered in the pool's index, and the hash of the last of them. */
    private int hashedBlocks;
    private BlockHash lastHash;

    /**
     * Takes over one reference to each of {@code initialBlocks}, which hold {@code initialTokens} (null when
     * there are none).
     */
    KvSequence(KvBlockPool pool, int capacity, int[] initialBlocks, int length, int[] initialTokens) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a sequence needs room for at least one position, not " + capacity);
        }
        if (length > capacity || initialBlocks.length != pool.layout().blocksFor(length)) {
            throw new IllegalArgumentException("a prefix of " + length + " positions in " + initialBlocks.length
                    + " blocks does not fit a sequence of " + capacity + " positions");
        }
        this.pool = pool;
        this.layout = pool.layout();
        this.capacity = capacity;
        this.table = Arrays.copyOf(initialBlocks, Math.max(4, initialBlocks.length));
        this.blocks = initialBlocks.length;
        this.length = length;
        this.writableEnd = length;
        this.lastHash = pool.seed();
        if (initialTokens != null) {
            registerFullBlocks(initialTokens);
        }
    }

    /**
     * Registers every committed block that has become full since the last call, under the hash of its
     * tokens (the sequence's tokens, {@code tokens[0 .. length())}), so that lookups by other sequences
     * find it. A registered block is never written again (a writer copies it first).
     */
    public void registerFullBlocks(int[] tokens) {
        checkOpen();
        int blockSize = layout.blockSize();
        int full = Math.min(length, tokens.length) / blockSize;
        for (; hashedBlocks < full; hashedBlocks++) {
            lastHash = lastHash.next(tokens, hashedBlocks * blockSize, blockSize);
            pool.register(table[hashedBlocks], lastHash);
        }
    }

    /**
     * Makes positions {@link #length()}..{@code positions}-1 writable: allocates the blocks they need and
     * copies a shared partial block. All or nothing: returns false, holding nothing new, when the pool has
     * too few free blocks (the caller waits for other sequences to finish).
     *
     * @throws IndexOutOfBoundsException if {@code positions} exceeds the capacity (the context length)
     */
    public boolean reserve(int positions) {
        checkOpen();
        if (positions > capacity) {
            throw new IndexOutOfBoundsException("position " + (positions - 1) + " is outside the KV cache's "
                    + capacity + " positions (the context length)");
        }
        if (positions <= writableEnd) {
            return true;
        }
        int firstWritten = writableEnd / layout.blockSize();
        boolean copyShared = writableEnd % layout.blockSize() != 0 && firstWritten < blocks
                && isImmutable(table[firstWritten]);
        int added = layout.blocksFor(positions) - blocks;
        int[] fresh = pool.allocate(added + (copyShared ? 1 : 0));
        if (fresh == null) {
            return false;
        }
        if (copyShared) {
            int shared = table[firstWritten];
            int copy = fresh[added];
            MemorySegment.copy(pool.segment(shared), 0, pool.segment(copy), 0, layout.blockBytes());
            table[firstWritten] = copy;
            pool.release(shared);
        }
        if (blocks + added > table.length) {
            table = Arrays.copyOf(table, Math.max(blocks + added, 2 * table.length));
        }
        System.arraycopy(fresh, 0, table, blocks, added);
        blocks += added;
        writableEnd = positions;
        return true;
    }

    /** Blocks {@link #reserve} would take from the pool to make {@code positions} writable (copies included). */
    public int blocksNeededFor(int positions) {
        if (positions <= writableEnd) {
            return 0;
        }
        int firstWritten = writableEnd / layout.blockSize();
        boolean copyShared = writableEnd % layout.blockSize() != 0 && firstWritten < blocks
                && isImmutable(table[firstWritten]);
        return layout.blocksFor(positions) - blocks + (copyShared ? 1 : 0);
    }

    /**
     * The first {@code tokens.length} positions as a prefix another sequence can start from: each of their
     * blocks gains a reference, held until the prefix is closed.
     */
    public KvPrefix sharePrefix(int[] tokens) {
        checkOpen();
        if (tokens.length > length) {
            throw new IllegalArgumentException("cannot share " + tokens.length + " positions of " + length);
        }
        int[] held = Arrays.copyOf(table, layout.blocksFor(tokens.length));
        pool.retainAll(held);
        // The last shared block may be partial: from now on this sequence copies it before writing on.
        writableEnd = Math.min(writableEnd, length);
        return new KvPrefix(pool, held, tokens);
    }

    /** A block others hold, or that lookups can find, is never written: its writer copies it first. */
    private boolean isImmutable(int block) {
        return pool.references(block) > 1 || pool.isRegistered(block);
    }

    /** Blocks in the table. */
    public int blockCount() {
        return blocks;
    }

    /** Blocks in the table that other sequences or prefixes hold too. */
    public int sharedBlockCount() {
        int shared = 0;
        for (int b = 0; b < blocks; b++) {
            if (pool.references(table[b]) > 1) {
                shared++;
            }
        }
        return shared;
    }

    public KvLayout layout() {
        return layout;
    }

    public long bytesPerPosition() {
        return layout.bytesPerPosition();
    }

    @Override
    public KvDataType dataType() {
        return layout.dataType();
    }

    @Override
    public int layers() {
        return layout.layers();
    }

    @Override
    public int width() {
        return layout.width();
    }

    @Override
    public int blockSize() {
        return layout.blockSize();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (position < length || position >= writableEnd) {
            if (position >= capacity) {
                throw new IndexOutOfBoundsException("position " + position + " is outside the KV cache's " + capacity
                        + " positions (the context length)");
            }
            throw new IllegalStateException("position " + position + " is not writable: " + length
                    + " positions are committed and " + writableEnd + " reserved (reserve first; shared blocks are"
                    + " never written)");
        }
        MemorySegment block = pool.segment(table[position / layout.blockSize()]);
        store(key, keyOffset, block, layout.offset(layer, position, false));
        store(value, valueOffset, block, layout.offset(layer, position, true));
    }

    @Override
    public void commit(int newLength) {
        if (newLength < length || newLength > writableEnd) {
            throw new IllegalArgumentException("cannot commit length " + newLength + " (cached " + length
                    + ", reserved " + writableEnd + ")");
        }
        length = newLength;
    }

    @Override
    public void readKey(int layer, int position, float[] out, int outOffset) {
        load(pool.segment(table[checkedBlock(position)]), layout.offset(layer, position, false), out, outOffset);
    }

    @Override
    public void readValue(int layer, int position, float[] out, int outOffset) {
        load(pool.segment(table[checkedBlock(position)]), layout.offset(layer, position, true), out, outOffset);
    }

    @Override
    public MemorySegment keyBlock(int layer, int block) {
        return pool.segment(table[checkedIndex(block)]).asSlice(layer * layout.layerBytes(),
                layout.rowBytes() * layout.blockSize());
    }

    @Override
    public MemorySegment valueBlock(int layer, int block) {
        return pool.segment(table[checkedIndex(block)]).asSlice(layer * layout.layerBytes()
                + layout.rowBytes() * layout.blockSize(), layout.rowBytes() * layout.blockSize());
    }

    @Override
    public void truncate(int newLength) {
        checkOpen();
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate to " + newLength + " (cached " + length + ")");
        }
        int kept = layout.blocksFor(newLength);
        pool.releaseAll(table, kept, blocks);
        blocks = kept;
        length = newLength;
        writableEnd = newLength;
        if (hashedBlocks > newLength / layout.blockSize()) {
            // The chain is rebuilt from the tokens at the next registration; the kept blocks stay registered.
            hashedBlocks = 0;
            lastHash = pool.seed();
        }
    }

    /** Gives every block back to the pool; later calls do nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pool.releaseAll(table, 0, blocks);
            blocks = 0;
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private int checkedBlock(int position) {
        if (position < 0 || position >= Math.max(length, writableEnd)) {
            throw new IndexOutOfBoundsException("position " + position + " is not cached (" + length + " are)");
        }
        return position / layout.blockSize();
    }

    private int checkedIndex(int block) {
        if (block < 0 || block >= blocks) {
            throw new IndexOutOfBoundsException("block " + block + " is not in the table (" + blocks + " are)");
        }
        return block;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KV sequence is closed");
        }
    }

    private void store(float[] source, int sourceOffset, MemorySegment block, long at) {
        int width = layout.width();
        if (layout.dataType() == KvDataType.F16) {
            for (int i = 0; i < width; i++) {
                block.set(F16, at + 2L * i, Float.floatToFloat16(source[sourceOffset + i]));
            }
        } else {
            Q8_0Tensor.quantize(source, sourceOffset, width, block, at);
        }
    }

    private void load(MemorySegment block, long at, float[] out, int outOffset) {
        int width = layout.width();
        if (layout.dataType() == KvDataType.F16) {
            for (int i = 0; i < width; i++) {
                out[outOffset + i] = Float.float16ToFloat(block.get(F16, at + 2L * i));
            }
            return;
        }
        Q8_0Tensor.dequantize(block, at, width, out, outOffset);
    }
}
