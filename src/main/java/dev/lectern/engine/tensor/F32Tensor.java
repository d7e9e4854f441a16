package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/** Plain 32-bit floats, little-endian. GGUF keeps norms and small 1-D tensors in this type. */
public final class F32Tensor extends WeightTensor {

    F32Tensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.F32, data, rows, columns);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        for (int i = 0; i < columns(); i++) {
            out[outOffset + i] = data.get(LittleEndian.FLOAT, rowStart + 4L * i);
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        float sum = 0f;
        for (int i = 0; i < columns(); i++) {
            sum += data.get(LittleEndian.FLOAT, rowStart + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    /** Stores {@code count} values as they are. */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        checkQuantize(GgmlType.F32, values, offset, count, out, outOffset);
        for (int i = 0; i < count; i++) {
            out.set(LittleEndian.FLOAT, outOffset + 4L * i, values[offset + i]);
        }
    }
}
