package dev.lectern.engine.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.Q8_0Tensor;

/**
 * A {@link KvCache} in blocks of {@code blockSize} positions, allocated as the sequence grows, off the
 * Java heap. A block holds, for every layer, the keys and then the values of its positions, each
 * position's row ({@code width} values) in F16 or Q8_0. The block table maps position / blockSize to a
 * block; today every sequence owns its blocks, the prefix cache will make full blocks shareable.
 */
public final class PagedKvCache implements KvCache, AutoCloseable {

    public static final int DEFAULT_BLOCK_SIZE = 64;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int layers;
    private final int width;
    private final int blockSize;
    private final int capacity;
    private final KvDataType dataType;
    private final long rowBytes;
    private final long layerBytes;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> blocks = new ArrayList<>();
    private int length;

    public PagedKvCache(int layers, int width, int capacity, KvDataType dataType, int blockSize) {
        if (layers < 1 || width < 1 || capacity < 1 || blockSize < 1) {
            throw new IllegalArgumentException("layers, width, capacity and block size must be positive");
        }
        if (dataType == KvDataType.Q8_0 && width % GgmlType.Q8_0.blockSize() != 0) {
            throw new IllegalArgumentException("a Q8_0 KV cache stores blocks of 32 values, but a position holds "
                    + width + " (key/value heads × head size); use F16");
        }
        this.layers = layers;
        this.width = width;
        this.blockSize = blockSize;
        this.capacity = capacity;
        this.dataType = dataType;
        this.rowBytes = (dataType == KvDataType.F16 ? GgmlType.F16 : GgmlType.Q8_0).rowBytes(width);
        this.layerBytes = 2 * rowBytes * blockSize;
    }

    /** Bytes one position takes across all layers, keys and values. */
    public long bytesPerPosition() {
        return 2 * rowBytes * layers;
    }

    @Override
    public KvDataType dataType() {
        return dataType;
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int blockSize() {
        return blockSize;
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
        if (position < 0 || position >= capacity) {
            throw new IndexOutOfBoundsException("position " + position + " is outside the KV cache's " + capacity
                    + " positions (the context length)");
        }
        while (blocks.size() <= position / blockSize) {
            blocks.add(arena.allocate(layerBytes * layers, 8));
        }
        long keyAt = offset(layer, position, false);
        long valueAt = offset(layer, position, true);
        MemorySegment block = blocks.get(position / blockSize);
        store(key, keyOffset, block, keyAt);
        store(value, valueOffset, block, valueAt);
    }

    @Override
    public void commit(int newLength) {
        if (newLength < length || newLength > blocks.size() * blockSize) {
            throw new IllegalArgumentException("cannot commit length " + newLength + " (cached " + length + ")");
        }
        length = newLength;
    }

    @Override
    public void readKey(int layer, int position, float[] out, int outOffset) {
        load(blocks.get(position / blockSize), offset(layer, position, false), out, outOffset);
    }

    @Override
    public void readValue(int layer, int position, float[] out, int outOffset) {
        load(blocks.get(position / blockSize), offset(layer, position, true), out, outOffset);
    }

    @Override
    public MemorySegment keyBlock(int layer, int block) {
        return blocks.get(block).asSlice(layer * layerBytes, rowBytes * blockSize);
    }

    @Override
    public MemorySegment valueBlock(int layer, int block) {
        return blocks.get(block).asSlice(layer * layerBytes + rowBytes * blockSize, rowBytes * blockSize);
    }

    @Override
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate to " + newLength + " (cached " + length + ")");
        }
        length = newLength;
    }

    @Override
    public void close() {
        arena.close();
    }

    private long offset(int layer, int position, boolean value) {
        return layer * layerBytes + (value ? rowBytes * blockSize : 0) + (position % blockSize) * rowBytes;
    }

    private void store(float[] source, int sourceOffset, MemorySegment block, long at) {
        if (dataType == KvDataType.F16) {
            for (int i = 0; i < width; i++) {
                block.set(F16, at + 2L * i, Float.floatToFloat16(source[sourceOffset + i]));
            }
        } else {
            Q8_0Tensor.quantize(source, sourceOffset, width, block, at);
        }
    }

    private void load(MemorySegment block, long at, float[] out, int outOffset) {
        if (dataType == KvDataType.F16) {
            for (int i = 0; i < width; i++) {
                out[outOffset + i] = Float.float16ToFloat(block.get(F16, at + 2L * i));
            }
            return;
        }
        Q8_0Tensor.dequantize(block, at, width, out, outOffset);
    }
}
