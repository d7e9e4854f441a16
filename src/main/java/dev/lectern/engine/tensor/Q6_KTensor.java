package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * ggml's {@code block_q6_K}: 256 values in 210 bytes, laid out as {@code ql[128]} (low 4 bits),
 * {@code qh[64]} (high 2 bits), {@code scales[16]} (signed 8-bit, one per 16 consecutive values) and
 * the fp16 {@code d} last. value = d * scales[e / 16] * (q − 32), q in 0..63.
 *
 * <p>The bits are interleaved as in {@code dequantize_row_q6_K}: each 128-value half n uses
 * ql[64n .. 64n+63] and qh[32n .. 32n+31]. For l in 0..31, with L = ql[64n + l], L' = ql[64n + 32 + l]
 * and H = qh[32n + l]:
 * element 128n + l is low(L) | H bits 0–1, element 128n + 32 + l is low(L') | H bits 2–3,
 * element 128n + 64 + l is high(L) | H bits 4–5, element 128n + 96 + l is high(L') | H bits 6–7.
 */
public final class Q6_KTensor extends WeightTensor {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    Q6_KTensor(MemorySegment data, long rows, int columns) {
        super(GgmlType.Q6_K, data, rows, columns);
    }

    /** The four 6-bit codes, minus 32, of elements 128n + l + 32k for k = 0..3, in that order. */
    private static void codes(MemorySegment data, long block, int n, int l, int[] q) {
        int low = LittleEndian.unsignedByte(data, block + QL + 64 * n + l);
        int lowNext = LittleEndian.unsignedByte(data, block + QL + 64 * n + 32 + l);
        int high = LittleEndian.unsignedByte(data, block + QH + 32 * n + l);
        q[0] = ((low & 0x0F) | ((high & 0x03) << 4)) - 32;
        q[1] = ((lowNext & 0x0F) | (((high >>> 2) & 0x03) << 4)) - 32;
        q[2] = ((low >>> 4) | (((high >>> 4) & 0x03) << 4)) - 32;
        q[3] = ((lowNext >>> 4) | (((high >>> 6) & 0x03) << 4)) - 32;
    }

    @Override
    void dequantizeRow(long rowStart, float[] out, int outOffset) {
        MemorySegment data = data();
        int[] q = new int[4];
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block + D);
            int o = outOffset + b * BLOCK;
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    codes(data, block, n, l, q);
                    for (int k = 0; k < 4; k++) {
                        int e = 128 * n + 32 * k + l;
                        out[o + e] = d * LittleEndian.signedByte(data, block + SCALES + e / 16) * q[k];
                    }
                }
            }
        }
    }

    @Override
    float dot(long rowStart, float[] x, int xOffset) {
        MemorySegment data = data();
        int[] q = new int[4];
        float sum = 0f;
        for (int b = 0; b < blocksPerRow(); b++) {
            long block = rowStart + (long) b * BLOCK_BYTES;
            float d = LittleEndian.f16(data, block + D);
            int xo = xOffset + b * BLOCK;
            float[] subSums = new float[16];
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    codes(data, block, n, l, q);
                    for (int k = 0; k < 4; k++) {
                        int e = 128 * n + 32 * k + l;
                        subSums[e / 16] += q[k] * x[xo + e];
                    }
                }
            }
            for (int s = 0; s < 16; s++) {
                sum += d * LittleEndian.signedByte(data, block + SCALES + s) * subSums[s];
            }
        }
        return sum;
    }

    /**
     * Each 16-value sub-block gets a signed scale from {@link ScaleSearch#fitSymmetric}; the one of
     * largest magnitude is stored as −128 (like ggml's {@code quantize_row_q6_K_ref}) and the rest on
     * that grid, then every value is rounded against its scale as it will be read back.
     */
    public static void quantize(float[] values, int offset, int count, MemorySegment out, long outOffset) {
        int blocks = checkQuantize(GgmlType.Q6_K, values, offset, count, out, outOffset);
        float[] subScales = new float[16];
        int[] codes = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            int x = offset + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float maxScale = 0f;
            for (int s = 0; s < 16; s++) {
                subScales[s] = ScaleSearch.fitSymmetric(values, x + 16 * s, 16, 32);
                if (Math.abs(subScales[s]) > Math.abs(maxScale)) {
                    maxScale = subScales[s];
                }
            }
            float d = LittleEndian.roundToF16(maxScale / -128f);
            LittleEndian.putF16(out, block + D, d);
            for (int s = 0; s < 16; s++) {
                int scale = d == 0f ? 0 : Math.clamp(Math.round(subScales[s] / d), -128, 127);
                LittleEndian.putByte(out, block + SCALES + s, scale);
                float step = d * scale;
                for (int i = 0; i < 16; i++) {
                    int e = 16 * s + i;
                    codes[e] = step == 0f ? 32 : Math.clamp(Math.round(values[x + e] / step), -32, 31) + 32;
                }
            }
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    int e = 128 * n + l;
                    int q0 = codes[e];
                    int q1 = codes[e + 32];
                    int q2 = codes[e + 64];
                    int q3 = codes[e + 96];
                    LittleEndian.putByte(out, block + QL + 64 * n + l, (q0 & 0x0F) | ((q2 & 0x0F) << 4));
                    LittleEndian.putByte(out, block + QL + 64 * n + 32 + l, (q1 & 0x0F) | ((q3 & 0x0F) << 4));
                    LittleEndian.putByte(out, block + QH + 32 * n + l,
                            (q0 >>> 4) | ((q1 >>> 4) << 2) | ((q2 >>> 4) << 4) | ((q3 >>> 4) << 6));
                }
            }
        }
    }
}
