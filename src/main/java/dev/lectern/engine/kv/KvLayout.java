package dev.lectern.engine.kv;

import dev.lectern.engine.gguf.GgmlType;

/**
 * The shape of one KV block: {@code blockSize} positions of every layer, keys then values per layer,
 * each position's row {@code width} values in {@link KvDataType}'s ggml layout. Every block of a pool
 * has this layout, so a block can be written to disk and mapped back as a whole.
 */
public record KvLayout(int layers, int width, int blockSize, KvDataType dataType) {

    public static final int DEFAULT_BLOCK_SIZE = 64;
    /** Blocks start on a page: the disk tier maps whole blocks, and kernels read them by address. */
    static final long PAGE = 4096;

    public KvLayout {
        if (layers < 1 || width < 1 || blockSize < 1) {
            throw new IllegalArgumentException("layers, width and block size must be positive, got " + layers + ", "
                    + width + ", " + blockSize);
        }
        if (dataType == KvDataType.Q8_0 && width % GgmlType.Q8_0.blockSize() != 0) {
            throw new IllegalArgumentException("a Q8_0 KV cache stores blocks of 32 values, but a position holds "
                    + width + " (key/value heads × head size); use F16");
        }
    }

    /** Bytes of one position's keys (or values) in one layer. */
    public long rowBytes() {
        return (dataType == KvDataType.F16 ? GgmlType.F16 : GgmlType.Q8_0).rowBytes(width);
    }

    /** Bytes of one layer's keys and values within a block. */
    public long layerBytes() {
        return 2 * rowBytes() * blockSize;
    }

    /** Bytes one block holds: all layers, keys and values. */
    public long blockBytes() {
        return layerBytes() * layers;
    }

    /** Bytes one position takes across all layers, keys and values. */
    public long bytesPerPosition() {
        return 2 * rowBytes() * layers;
    }

    /** Blocks needed to hold {@code positions} positions. */
    public int blocksFor(long positions) {
        return Math.toIntExact(Math.ceilDiv(positions, blockSize));
    }

    /** Offset within a block of {@code position}'s key (or value) row in {@code layer}. */
    long offset(int layer, int position, boolean value) {
        return layer * layerBytes() + (value ? rowBytes() * blockSize : 0) + (position % blockSize) * rowBytes();
    }
}
