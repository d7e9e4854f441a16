package dev.lectern.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

import dev.lectern.engine.gguf.GgmlType;

/** Entry points: wrap ggml-layout bytes as a {@link WeightTensor}, and quantize floats into that layout. */
public final class WeightTensors {

    private WeightTensors() {
    }

    /**
     * Views {@code data} (a little-endian segment in ggml's block layout, such as a slice of a mapped
     * GGUF file) as a matrix of {@code rows} rows of {@code columns} elements. The data is not copied.
     *
     * @throws IllegalArgumentException when the type has no kernels in Lectern, when a row does not hold
     *         whole blocks, or when the segment is not exactly rows × row bytes long
     */
    public static WeightTensor wrap(GgmlType type, MemorySegment data, long rows, int columns) {
        Objects.requireNonNull(type, "type");
        return switch (type) {
            case F32 -> new F32Tensor(data, rows, columns);
            case F16 -> new F16Tensor(data, rows, columns);
            case BF16 -> new BF16Tensor(data, rows, columns);
            case Q8_0 -> new Q8_0Tensor(data, rows, columns);
            case Q4_0 -> new Q4_0Tensor(data, rows, columns);
            case Q4_K -> new Q4_KTensor(data, rows, columns);
            case Q5_K -> new Q5_KTensor(data, rows, columns);
            case Q6_K -> new Q6_KTensor(data, rows, columns);
            default -> throw notComputable(type);
        };
    }

    /**
     * Quantizes {@code values[offset .. offset+count)} into {@code out} at {@code outOffset} in the
     * layout of {@code type}; count must be a whole number of the type's blocks.
     */
    public static void quantize(GgmlType type, float[] values, int offset, int count, MemorySegment out,
            long outOffset) {
        Objects.requireNonNull(type, "type");
        switch (type) {
            case F32 -> F32Tensor.quantize(values, offset, count, out, outOffset);
            case F16 -> F16Tensor.quantize(values, offset, count, out, outOffset);
            case BF16 -> BF16Tensor.quantize(values, offset, count, out, outOffset);
            case Q8_0 -> Q8_0Tensor.quantize(values, offset, count, out, outOffset);
            case Q4_0 -> Q4_0Tensor.quantize(values, offset, count, out, outOffset);
            case Q4_K -> Q4_KTensor.quantize(values, offset, count, out, outOffset);
            case Q5_K -> Q5_KTensor.quantize(values, offset, count, out, outOffset);
            case Q6_K -> Q6_KTensor.quantize(values, offset, count, out, outOffset);
            default -> throw notComputable(type);
        }
    }

    /**
     * Quantizes a row-major {@code rows} × {@code columns} matrix into a new segment of {@code arena}
     * and wraps it: the way tests and the test-model generator build weights.
     */
    public static WeightTensor quantize(GgmlType type, float[] values, int rows, int columns, Arena arena) {
        Objects.requireNonNull(type, "type");
        if (!type.computable()) {
            throw notComputable(type);
        }
        if ((long) rows * columns != values.length) {
            throw new IllegalArgumentException("a " + rows + " x " + columns + " matrix needs "
                    + (long) rows * columns + " values, got " + values.length);
        }
        MemorySegment data = arena.allocate(type.rowBytes(columns) * rows, 4);
        quantize(type, values, 0, values.length, data, 0);
        return wrap(type, data, rows, columns);
    }

    private static IllegalArgumentException notComputable(GgmlType type) {
        String supported = Arrays.stream(GgmlType.values()).filter(GgmlType::computable)
                .map(GgmlType::name).collect(Collectors.joining(", "));
        return new IllegalArgumentException("GGML type " + type + " (id " + type.id()
                + ") has no kernels in Lectern; supported types are " + supported
                + ". Re-quantize the model to one of them (for example Q4_K_M or Q8_0).");
    }
}
