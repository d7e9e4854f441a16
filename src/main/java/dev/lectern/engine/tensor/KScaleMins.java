package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The super-block header shared by Q4_K and Q5_K: fp16 {@code d} at byte 0, fp16 {@code dmin} at byte
 * 2, then 12 bytes holding eight 6-bit scales and eight 6-bit mins, one pair per 32-value sub-block.
 * Sub-block j's value is d * scale[j] * q − dmin * min[j].
 *
 * <p>The 12-byte packing is ggml's {@code get_scale_min_k4}: for j < 4, byte j holds scale[j] and byte
 * j + 4 holds min[j] in their low 6 bits. For j ≥ 4, byte j + 4 holds the low 4 bits of scale[j] (low
 * nibble) and of min[j] (high nibble), and the top 2 bits of scale[j] and min[j] ride in the spare top
 * bits of bytes j − 4 and j.
 */
final class KScaleMins {

    static final int SUB_BLOCKS = 8;
    static final int SUB_BLOCK = 32;
    static final int SUPER_BLOCK = 256;
    static final int D = 0;
    static final int DMIN = 2;
    static final int TABLE = 4;
    static final int TABLE_BYTES = 12;

    private KScaleMins() {
    }

    static int scale(MemorySegment data, long block, int j) {
        long t = block + TABLE;
        if (j < 4) {
            return LittleEndian.unsignedByte(data, t + j) & 0x3F;
        }
        return (LittleEndian.unsignedByte(data, t + j + 4) & 0x0F)
                | ((LittleEndian.unsignedByte(data, t + j - 4) >>> 6) << 4);
    }

    static int min(MemorySegment data, long block, int j) {
        long t = block + TABLE;
        if (j < 4) {
            return LittleEndian.unsignedByte(data, t + j + 4) & 0x3F;
        }
        return (LittleEndian.unsignedByte(data, t + j + 4) >>> 4)
                | ((LittleEndian.unsignedByte(data, t + j) >>> 6) << 4);
    }

    static void writeTable(int[] scales, int[] mins, MemorySegment out, long block) {
        int[] bytes = new int[TABLE_BYTES];
        for (int j = 0; j < 4; j++) {
            bytes[j] = scales[j];
            bytes[j + 4] = mins[j];
        }
        for (int j = 4; j < SUB_BLOCKS; j++) {
            bytes[j + 4] = (scales[j] & 0x0F) | ((mins[j] & 0x0F) << 4);
            bytes[j - 4] |= (scales[j] >>> 4) << 6;
            bytes[j] |= (mins[j] >>> 4) << 6;
        }
        for (int i = 0; i < TABLE_BYTES; i++) {
            LittleEndian.putByte(out, block + TABLE + i, bytes[i]);
        }
    }

    /**
     * Chooses and writes the header of one super-block of {@code values[x .. x+256)}, and fills
     * {@code codes} with each value's code in 0..nmax, rounded against the scales as they will be read
     * back (6-bit and fp16), so the quantization of the scales costs as little as it can.
     */
    static void quantizeHeader(float[] values, int x, int nmax, int[] codes, MemorySegment out, long block) {
        float[] subScales = new float[SUB_BLOCKS];
        float[] subMins = new float[SUB_BLOCKS];
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            ScaleSearch.ScaleMin fit = ScaleSearch.fitAsymmetric(values, x + j * SUB_BLOCK, SUB_BLOCK, nmax);
            subScales[j] = fit.scale();
            subMins[j] = fit.min();
            maxScale = Math.max(maxScale, fit.scale());
            maxMin = Math.max(maxMin, fit.min());
        }
        // The largest sub-block scale (and min) gets code 63; the others are rounded on that grid.
        float d = LittleEndian.roundToF16(maxScale / 63f);
        float dmin = LittleEndian.roundToF16(maxMin / 63f);
        int[] scales = new int[SUB_BLOCKS];
        int[] mins = new int[SUB_BLOCKS];
        for (int j = 0; j < SUB_BLOCKS; j++) {
            scales[j] = d == 0f ? 0 : Math.clamp(Math.round(subScales[j] / d), 0, 63);
            mins[j] = dmin == 0f ? 0 : Math.clamp(Math.round(subMins[j] / dmin), 0, 63);
            float step = d * scales[j];
            float shift = dmin * mins[j];
            for (int i = 0; i < SUB_BLOCK; i++) {
                int e = j * SUB_BLOCK + i;
                codes[e] = step == 0f ? 0 : Math.clamp(Math.round((values[x + e] + shift) / step), 0, nmax);
            }
        }
        LittleEndian.putF16(out, block + D, d);
        LittleEndian.putF16(out, block + DMIN, dmin);
        writeTable(scales, mins, out, block);
    }
}
