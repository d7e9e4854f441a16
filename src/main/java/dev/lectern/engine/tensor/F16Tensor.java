package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * IEEE half-precision floats, little-endian. The JDK's {@link Float#floatToFloat16} rounds to nearest
 * even, as ggml does, and keeps subnormals, infinities and NaN.
 */
public final class F16Tensor extends WeightTensor {

    F16Tensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.F16, data, rows, columns);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        for (int i = 0; i < columns(); i++) {
            out[outOffset + i] = LittleEndian.f16(data, rowStart + 2L * i);
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        float sum = 0f;
        for (int i = 0; i < columns(); i++) {
            sum += LittleEndian.f16(data, rowStart + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    /** Rounds {@code count} values to fp16 (nearest even); values past the fp16 range become infinite, as in ggml. */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        checkQuantize(GgmlType.F16, values, offset, count, out, outOffset);
        for (int i = 0; i < count; i++) {
            LittleEndian.putF16(out, outOffset + 2L * i, values[offset + i]);
        }
    }
}
