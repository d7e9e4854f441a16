package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.lectern.engine.gguf.GgmlType;

/**
 * A 2-D weight matrix stored in one ggml type: {@code rows} rows of {@code columns} elements, each row a
 * run of whole blocks (ggml's ne0 is the column count and is contiguous; a 1-D tensor is one row). The
 * data is a little-endian {@link MemorySegment} in ggml's exact block layout, so a slice of a mapped
 * GGUF file is used as it is, with no copy.
 *
 * <p>The methods here are the scalar reference: plain per-block loops that follow ggml's
 * {@code dequantize_row_*} and are the oracle the Vector API kernels are tested against. They are not
 * meant to be fast.
 */
public abstract sealed class WeightTensor
        permits F32Tensor, F16Tensor, BF16Tensor, Q8_0Tensor, Q4_0Tensor, Q4_KTensor, Q5_KTensor, Q6_KTensor {

    private final GgmlType type;
    private final MemorySegment data;
    private final int rows;
    private final int columns;
    private final long rowBytes;

    WeightTensor(GgmlType type, MemorySegment data, long rows, int columns) {
        Objects.requireNonNull(data, "data");
        String shape = type + " tensor of " + rows + " x " + columns;
        if (rows < 1 || rows > Integer.MAX_VALUE || columns < 1) {
            throw new IllegalArgumentException(shape + ": rows must be 1.." + Integer.MAX_VALUE
                    + " and columns at least 1");
        }
        if (columns % type.blockSize() != 0) {
            throw new IllegalArgumentException(shape + ": " + type + " stores blocks of " + type.blockSize()
                    + " values, so a row of " + columns + " columns does not divide into whole blocks");
        }
        this.rowBytes = type.rowBytes(columns);
        long expected = rowBytes * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(shape + " needs " + expected + " bytes (" + rowBytes
                    + " per row), but the segment holds " + data.byteSize());
        }
        this.type = type;
        this.data = data;
        this.rows = (int) rows;
        this.columns = columns;
    }

    public final GgmlType type() {
        return type;
    }

    public final int rows() {
        return rows;
    }

    /** Elements per row (ggml's ne0). */
    public final int columns() {
        return columns;
    }

    /** The raw blocks, row after row, for kernels that read the layout directly. */
    public final MemorySegment data() {
        return data;
    }

    public final long rowBytes() {
        return rowBytes;
    }

    /** Writes the {@code columns()} values of {@code row} to {@code out[outOffset ...]}. */
    public final void dequantizeRow(int row, float[] out, int outOffset) {
        Objects.checkIndex(row, rows);
        Objects.checkFromIndexSize(outOffset, columns, out.length);
        dequantizeRow(row * rowBytes, out, outOffset);
    }

    /** The sum over {@code row} of weight[i] * x[xOffset + i]. */
    public final float dot(int row, float[] x, int xOffset) {
        Objects.checkIndex(row, rows);
        Objects.checkFromIndexSize(xOffset, columns, x.length);
        return dot(row * rowBytes, x, xOffset);
    }

    /** Dequantizes the row starting at byte {@code rowStart}; indices are already checked. */
    abstract void dequantizeRow(long rowStart, float[] out, int outOffset);

    /** The dot of the row starting at byte {@code rowStart} with x; indices are already checked. */
    abstract float dot(long rowStart, float[] x, int xOffset);

    final int blocksPerRow() {
        return columns / type().blockSize();
    }

    @Override
    public String toString() {
        return type() + "[" + rows + " x " + columns + "]";
    }

    /**
     * Checks a quantizer's arguments: whole blocks in, enough room out.
     *
     * @return the number of blocks to write
     */
    static int checkQuantize(GgmlType type, float[] values, int offset, int count, MemorySegment out,
            long outOffset) {
        Objects.checkFromIndexSize(offset, count, values.length);
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " quantizes whole blocks of " + type.blockSize()
                    + " values; " + count + " values do not divide");
        }
        long bytes = type.rowBytes(count);
        Objects.checkFromIndexSize(outOffset, bytes, out.byteSize());
        return count / type.blockSize();
    }
}
