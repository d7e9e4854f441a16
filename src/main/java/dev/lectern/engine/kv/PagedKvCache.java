package dev.lectern.engine.kv;

import java.lang.foreign.MemorySegment;

/**
 * A {@link KvCache} for one sequence that owns its memory: a {@link KvSequence} over a private
 * {@link KvBlockPool} sized for the whole capacity, growing block by block as positions are written. For
 * the tools and tests that run one sequence outside the scheduler; the server's sequences share one pool.
 */
public final class PagedKvCache implements KvCache, AutoCloseable {

    public static final int DEFAULT_BLOCK_SIZE = KvLayout.DEFAULT_BLOCK_SIZE;

    private final KvBlockPool pool;
    private final KvSequence sequence;

    public PagedKvCache(int layers, int width, int capacity, KvDataType dataType, int blockSize) {
        if (capacity < 1) {
            throw new IllegalArgumentException("layers, width, capacity and block size must be positive");
        }
        KvLayout layout = new KvLayout(layers, width, blockSize, dataType);
        this.pool = KvBlockPool.ofBlocks(layout, layout.blocksFor(capacity));
        this.sequence = pool.newSequence(capacity);
    }

    /** Bytes one position takes across all layers, keys and values. */
    public long bytesPerPosition() {
        return sequence.bytesPerPosition();
    }

    @Override
    public KvDataType dataType() {
        return sequence.dataType();
    }

    @Override
    public int layers() {
        return sequence.layers();
    }

    @Override
    public int width() {
        return sequence.width();
    }

    @Override
    public int blockSize() {
        return sequence.blockSize();
    }

    @Override
    public int capacity() {
        return sequence.capacity();
    }

    @Override
    public int length() {
        return sequence.length();
    }

    @Override
    public void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        // The private pool holds the whole capacity, so reserving cannot run out.
        if (position >= sequence.length()) {
            sequence.reserve(position + 1);
        }
        sequence.write(layer, position, key, keyOffset, value, valueOffset);
    }

    @Override
    public void commit(int length) {
        sequence.commit(length);
    }

    @Override
    public void readKey(int layer, int position, float[] out, int outOffset) {
        sequence.readKey(layer, position, out, outOffset);
    }

    @Override
    public void readValue(int layer, int position, float[] out, int outOffset) {
        sequence.readValue(layer, position, out, outOffset);
    }

    @Override
    public MemorySegment keyBlock(int layer, int block) {
        return sequence.keyBlock(layer, block);
    }

    @Override
    public MemorySegment valueBlock(int layer, int block) {
        return sequence.valueBlock(layer, block);
    }

    @Override
    public void truncate(int length) {
        sequence.truncate(length);
    }

    @Override
    public void close() {
        sequence.close();
        pool.close();
    }
}
