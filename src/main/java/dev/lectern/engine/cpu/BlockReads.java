package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar reads of ggml block fields. GGUF data is little-endian and ggml packs blocks without padding,
 * so an fp16 scale can sit at any byte: every layout is little-endian and unaligned.
 */
final class BlockReads {

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private BlockReads() {
    }

    static float f16(MemorySegment data, long offset) {
        return Float.float16ToFloat(data.get(SHORT, offset));
    }

    static float bf16(MemorySegment data, long offset) {
        return Float.intBitsToFloat((data.get(SHORT, offset) & 0xFFFF) << 16);
    }

    static int u8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static int s8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    /**
     * The 6-bit scale of sub-block j of a Q4_K/Q5_K super-block whose 12-byte table starts at
     * {@code table} (ggml's get_scale_min_k4; the packing is documented in tensor/KScaleMins).
     */
    static int kScale(MemorySegment data, long table, int j) {
        if (j < 4) {
            return u8(data, table + j) & 0x3F;
        }
        return (u8(data, table + j + 4) & 0x0F) | ((u8(data, table + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block j, the companion of {@link #kScale}. */
    static int kMin(MemorySegment data, long table, int j) {
        if (j < 4) {
            return u8(data, table + j + 4) & 0x3F;
        }
        return (u8(data, table + j + 4) >>> 4) | ((u8(data, table + j) >>> 6) << 4);
    }
}
