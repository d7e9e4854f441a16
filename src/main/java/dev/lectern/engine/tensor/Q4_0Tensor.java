package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * ggml's {@code block_q4_0}: 32 values in 18 bytes, an fp16 scale {@code d} then 16 bytes of 4-bit
 * quants; value = d * (q - 8). Byte j holds element j in its low nibble and element j + 16 in its
 * high nibble (not neighbours: that lets SIMD code split a block into halves with one mask and shift).
 */
public final class Q4_0Tensor extends WeightTensor {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int QS = 2;

    Q4_0Tensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.Q4_0, data, rows, columns);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = LittleEndian.unsignedByte(data, block + QS + j);
                out[o + j] = d * ((packed & 0x0F) - 8);
                out[o + j + 16] = d * ((packed >>> 4) - 8);
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
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = LittleEndian.unsignedByte(data, block + QS + j);
                blockSum += ((packed & 0x0F) - 8) * x[xo + j] + ((packed >>> 4) - 8) * x[xo + j + 16];
            }
            sum += LittleEndian.f16(data, block) * blockSum;
        }
        return sum;
    }

    /**
     * ggml's choice: take the value of largest magnitude with its sign and set d = max / -8, so that
     * value lands exactly on q = 0 (the −8 end, which has no +8 twin) and the range −8..7 is used in
     * full; then q = clamp(round(x / d) + 8, 0, 15). Quants are computed against d as stored in fp16.
     */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        int blocks = checkQuantize(GgmlType.Q4_0, values, offset, count, out, outOffset);
        for (int b = 0; b < blocks; b++) {
            int x = offset + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float max = 0f;
            for (int i = 0; i < BLOCK; i++) {
                if (Math.abs(values[x + i]) > Math.abs(max)) {
                    max = values[x + i];
                }
            }
            float d = LittleEndian.roundToF16(max / -8f);
            float id = d == 0f ? 0f : 1f / d;
            LittleEndian.putF16(out, block, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = Math.clamp(Math.round(values[x + j] * id) + 8, 0, 15);
                int high = Math.clamp(Math.round(values[x + j + 16] * id) + 8, 0, 15);
                LittleEndian.putByte(out, block + QS + j, low | (high << 4));
            }
        }
    }
}
