package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * ggml's {@code block_q4_K}: 256 values in 144 bytes, the header of {@link KScaleMins} (bytes 0..15)
 * then 128 bytes of 4-bit quants. The quants come in four 64-value chunks of 32 bytes: byte l of chunk
 * c holds element 64c + l in its low nibble and element 64c + 32 + l in its high nibble, so the low
 * nibbles are sub-block 2c and the high nibbles sub-block 2c + 1.
 */
public final class Q4_KTensor extends WeightTensor {

    static final int BLOCK = KScaleMins.SUPER_BLOCK;
    static final int BLOCK_BYTES = 144;
    private static final int QS = 16;

    Q4_KTensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.Q4_K, data, rows, columns);
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block + KScaleMins.D);
            float dmin = LittleEndian.f16(data, block + KScaleMins.DMIN);
            int o = outOffset + b * BLOCK;
            for (int c = 0; c < 4; c++) {
                float stepLow = d * KScaleMins.scale(data, block, 2 * c);
                float shiftLow = dmin * KScaleMins.min(data, block, 2 * c);
                float stepHigh = d * KScaleMins.scale(data, block, 2 * c + 1);
                float shiftHigh = dmin * KScaleMins.min(data, block, 2 * c + 1);
                for (int l = 0; l < 32; l++) {
                    int packed = LittleEndian.unsignedByte(data, block + QS + 32 * c + l);
                    out[o + 64 * c + l] = stepLow * (packed & 0x0F) - shiftLow;
                    out[o + 64 * c + 32 + l] = stepHigh * (packed >>> 4) - shiftHigh;
                }
            }
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        float sum = 0f;
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block + KScaleMins.D);
            float dmin = LittleEndian.f16(data, block + KScaleMins.DMIN);
            int xo = xOffset + b * BLOCK;
            for (int c = 0; c < 4; c++) {
                // Per sub-block: step * sum(q * x) − shift * sum(x), the split the fast kernels use too.
                float qxLow = 0f;
                float xLow = 0f;
                float qxHigh = 0f;
                float xHigh = 0f;
                for (int l = 0; l < 32; l++) {
                    int packed = LittleEndian.unsignedByte(data, block + QS + 32 * c + l);
                    float a = x[xo + 64 * c + l];
                    float h = x[xo + 64 * c + 32 + l];
                    qxLow += (packed & 0x0F) * a;
                    xLow += a;
                    qxHigh += (packed >>> 4) * h;
                    xHigh += h;
                }
                sum += d * KScaleMins.scale(data, block, 2 * c) * qxLow
                        - dmin * KScaleMins.min(data, block, 2 * c) * xLow
                        + d * KScaleMins.scale(data, block, 2 * c + 1) * qxHigh
                        - dmin * KScaleMins.min(data, block, 2 * c + 1) * xHigh;
            }
        }
        return sum;
    }

    /** Quantizes whole super-blocks; scales and mins are searched per sub-block (see {@link ScaleSearch}). */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        int blocks = checkQuantize(GgmlType.Q4_K, values, offset, count, out, outOffset);
        int[] codes = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = outOffset + (long) b * BLOCK_BYTES;
            KScaleMins.quantizeHeader(values, offset + b * BLOCK, 15, codes, out, block);
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int packed = codes[64 * c + l] | (codes[64 * c + 32 + l] << 4);
                    LittleEndian.putByte(out, block + QS + 32 * c + l, packed);
                }
            }
        }
    }
}
