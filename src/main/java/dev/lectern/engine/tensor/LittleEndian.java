package dev.lectern.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes the scalar fields of ggml blocks. GGUF files are little-endian and ggml packs its
 * block structs without padding, so a 2-byte fp16 scale can sit at any offset: every layout here is
 * little-endian and unaligned, whatever the JVM's native order.
 */
final class LittleEndian {

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    static float f16(MemorySegment segment, long offset) {
        return Float.float16ToFloat(segment.get(SHORT, offset));
    }

    static void putF16(MemorySegment segment, long offset, float value) {
        segment.set(SHORT, offset, Float.floatToFloat16(value));
    }

    /** The value a float becomes once stored as fp16: scales are chosen against what will be read back. */
    static float roundToF16(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }

    static int signedByte(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    static int unsignedByte(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static void putByte(MemorySegment segment, long offset, int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }
}
