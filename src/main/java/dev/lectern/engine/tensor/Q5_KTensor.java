package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * ggml's {@code block_q5_K}: 256 values in 176 bytes, the header of {@link KScaleMins} (bytes 0..15),
 * then {@code qh} (32 bytes, the fifth bits) and {@code qs} (128 bytes, the low four bits). The low
 * nibbles are arranged as in Q4_K: chunk c (64 values) is 32 bytes, low nibbles elements 64c..64c+31,
 * high nibbles 64c+32..64c+63. The fifth bit of element 64c + l is bit 2c of qh[l], and of element
 * 64c + 32 + l bit 2c + 1 of qh[l]: qh is shared by all four chunks, one bit pair each.
 */
public final class Q5_KTensor extends WeightTensor {

    static final int BLOCK = KScaleMins.SUPER_BLOCK;
    static final int BLOCK_BYTES = 176;
    private static final int QH = 16;
    private static final int QS = 48;

    Q5_KTensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.Q5_K, data, rows, columns);
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
                    int high = LittleEndian.unsignedByte(data, block + QH + l);
                    int qLow = (packed & 0x0F) | (((high >>> (2 * c)) & 1) << 4);
                    int qHigh = (packed >>> 4) | (((high >>> (2 * c + 1)) & 1) << 4);
                    out[o + 64 * c + l] = stepLow * qLow - shiftLow;
                    out[o + 64 * c + 32 + l] = stepHigh * qHigh - shiftHigh;
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
                float qxLow = 0f;
                float xLow = 0f;
                float qxHigh = 0f;
                float xHigh = 0f;
                for (int l = 0; l < 32; l++) {
                    int packed = LittleEndian.unsignedByte(data, block + QS + 32 * c + l);
                    int high = LittleEndian.unsignedByte(data, block + QH + l);
                    float a = x[xo + 64 * c + l];
                    float h = x[xo + 64 * c + 32 + l];
                    qxLow += ((packed & 0x0F) | (((high >>> (2 * c)) & 1) << 4)) * a;
                    xLow += a;
                    qxHigh += ((packed >>> 4) | (((high >>> (2 * c + 1)) & 1) << 4)) * h;
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
        int blocks = checkQuantize(GgmlType.Q5_K, values, offset, count, out, outOffset);
        int[] codes = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = outOffset + (long) b * BLOCK_BYTES;
            KScaleMins.quantizeHeader(values, offset + b * BLOCK, 31, codes, out, block);
            int[] high = new int[32];
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int low = codes[64 * c + l];
                    int upper = codes[64 * c + 32 + l];
                    LittleEndian.putByte(out, block + QS + 32 * c + l, (low & 0x0F) | ((upper & 0x0F) << 4));
                    high[l] |= ((low >>> 4) << (2 * c)) | ((upper >>> 4) << (2 * c + 1));
                }
            }
            for (int l = 0; l < 32; l++) {
                LittleEndian.putByte(out, block + QH + l, high[l]);
            }
        }
    }
}
