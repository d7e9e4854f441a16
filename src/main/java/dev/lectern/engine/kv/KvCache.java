package dev.lectern.engine.kv;

import java.lang.foreign.MemorySegment;

/**
 * The keys and values of one sequence, for every layer, addressed by position. Storage is in fixed-size
 * blocks of positions ({@link #blockSize()}) so that the prefix cache can later share full blocks
 * between sequences; readers go through positions and never assume one contiguous array.
 */
public interface KvCache {

    int layers();

    /** Values per position and layer: key/value heads × head size. */
    int width();

    /** Positions per storage block. */
    int blockSize();

    /** The most positions this cache can hold. */
    int capacity();

    /** Positions stored so far: 0..length()-1 are valid. */
    int length();

    /**
     * Stores the key and value of {@code position} for {@code layer} ({@link #width()} values each, from
     * the given offsets). Positions are written in order; writing position == length() extends the cache
     * (after all layers are written, see {@link #commit(int)}).
     */
    void write(int layer, int position, float[] key, int keyOffset, float[] value, int valueOffset);

    /** Declares positions up to {@code length - 1} complete in every layer. */
    void commit(int length);

    /** Reads the stored key of {@code position} (all heads) into {@code out}. */
    void readKey(int layer, int position, float[] out, int outOffset);

    /** Reads the stored value of {@code position} (all heads) into {@code out}. */
    void readValue(int layer, int position, float[] out, int outOffset);

    /** How keys and values are stored: F16 halves, or Q8_0 blocks of 32 values. */
    KvDataType dataType();

    /**
     * The stored keys of {@code layer} for positions {@code block · blockSize()} onwards: {@link #blockSize()}
     * rows, one per position, each {@code width()} values in {@link #dataType()}'s ggml layout (F16: 2 bytes
     * each; Q8_0: blocks of an fp16 scale and 32 signed bytes), little-endian. For kernels that read a head's
     * slice of many positions without widening whole positions first.
     */
    MemorySegment keyBlock(int layer, int block);

    /** The stored values of {@code layer}, laid out as {@link #keyBlock}. */
    MemorySegment valueBlock(int layer, int block);

    /** Forgets positions from {@code length} on (a cancelled or rewound sequence). */
    void truncate(int length);
}
