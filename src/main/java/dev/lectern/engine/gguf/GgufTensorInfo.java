package dev.lectern.engine.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a GGUF tensor directory.
 *
 * @param name     the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param type     how its elements are stored
 * @param shape    dimensions in ggml order: {@code shape[0]} varies fastest and is the row length, so a
 *                 weight that maps 1024 inputs to 2048 outputs has shape {@code [1024, 2048]}
 * @param offset   where its data starts, relative to the file's tensor data section
 * @param byteSize how many bytes its data takes, from type and shape
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
    }

    /**
     * Bytes of a tensor of {@code type} and {@code shape}: whole rows of blocks, times the number of rows.
     *
     * @throws IllegalArgumentException when the row length does not divide into the type's blocks
     * @throws ArithmeticException      when the size does not fit a long
     */
    public static long byteSize(GgmlType type, long[] shape) {
        long size = type.rowBytes(shape[0]);
        for (int i = 1; i < shape.length; i++) {
            size = Math.multiplyExact(size, shape[i]);
        }
        return size;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code index} in ggml order (0 is the row length). */
    public long dimension(int index) {
        return shape[index];
    }

    public long rowLength() {
        return shape[0];
    }

    /** Rows: the product of every dimension but the first. */
    public long rowCount() {
        long rows = 1;
        for (int i = 1; i < shape.length; i++) {
            rows *= shape[i];
        }
        return rows;
    }

    public long elementCount() {
        return shape[0] * rowCount();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufTensorInfo that && name.equals(that.name) && type == that.type
                && Arrays.equals(shape, that.shape) && offset == that.offset && byteSize == that.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " at +" + offset + " (" + byteSize + " bytes)";
    }
}
