package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * bfloat16: the upper 16 bits of an IEEE float (sign, 8 exponent bits, 7 mantissa bits), little-endian.
 * Widening is exact: shift the bits back up.
 */
public final class BF16Tensor extends WeightTensor {

    BF16Tensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.BF16, data, rows, columns);
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Rounds to nearest, ties to even, like ggml's {@code ggml_compute_fp32_to_bf16}. Adding 0x7FFF plus
     * the lowest kept bit and truncating rounds the dropped 16 bits; a carry may reach the exponent,
     * which is right (the largest floats round to infinity). NaN is handled first, because truncating a
     * NaN whose payload lies only in the low 16 bits would give infinity: it is made quiet instead.
     */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lowestKept = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lowestKept) >>> 16);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        for (int i = 0; i < columns(); i++) {
            out[outOffset + i] = toFloat(data.get(LittleEndian.SHORT, rowStart + 2L * i));
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        float sum = 0f;
        for (int i = 0; i < columns(); i++) {
            sum += toFloat(data.get(LittleEndian.SHORT, rowStart + 2L * i)) * x[xOffset + i];
        }
        return sum;
    }

    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        checkQuantize(GgmlType.BF16, values, offset, count, out, outOffset);
        for (int i = 0; i < count; i++) {
            out.set(LittleEndian.SHORT, outOffset + 2L * i, fromFloat(values[offset + i]));
        }
    }
}
