package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * ggml's {@code block_q8_0}: 32 values in 34 bytes, an fp16 scale {@code d} then 32 signed bytes;
 * value = d * q.
 */
public final class Q8_0Tensor extends WeightTensor {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    private static final int QS = 2;

    Q8_0Tensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.Q8_0, data, rows, columns);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        dequantize(data(), rowStart, columns(), out, outOffset);
    }

    /**
     * Reads {@code count} values (whole blocks) stored in this layout at {@code offset}: the inverse of
     * {@link #quantize}, for other Q8_0 stores such as the KV cache.
     */
    public static void dequantize(MemorySegment data, long offset, int count, float[] out, int outOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block);
            int o = outOffset + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                out[o + i] = d * LittleEndian.signedByte(data, block + QS + i);
            }
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        float sum = 0f;
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            int xo = xOffset + b * BLOCK;
            float blockSum = 0f;
            for (int i = 0; i < BLOCK; i++) {
                blockSum += LittleEndian.signedByte(data, block + QS + i) * x[xo + i];
            }
            sum += LittleEndian.f16(data, block) * blockSum;
        }
        return sum;
    }

    /**
     * ggml's choice: d = max|x| / 127, q = round(x / d). The quants are computed against d as fp16 will
     * return it, so what is stored is what was meant; −128 is never used, as in ggml.
     */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        int blocks = checkQuantize(GgmlType.Q8_0, values, offset, count, out, outOffset);
        for (int b = 0; b < blocks; b++) {
            int x = offset + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(values[x + i]));
            }
            float d = LittleEndian.roundToF16(amax / 127f);
            // An all-zero block (or one too small for an fp16 scale) stores d = 0 and zero quants, not 0/0.
            float id = d == 0f ? 0f : 1f / d;
            LittleEndian.putF16(out, block, d);
            for (int i = 0; i < BLOCK; i++) {
                int q = Math.clamp(Math.round(values[x + i] * id), -127, 127);
                LittleEndian.putByte(out, block + QS + i, q);
            }
        }
    }
}
