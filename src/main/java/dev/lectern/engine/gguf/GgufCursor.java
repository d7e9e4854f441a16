package dev.lectern.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sequential little-endian reads over a mapped GGUF file, each checked against the end of the file. It
 * remembers which part of the file it is in ({@link #at(String)}, {@link #element(long)}) so that a read
 * past the end can say what it was reading without every read building a description: the tokenizer
 * arrays alone are 300,000 reads.
 */
final class GgufCursor {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private final long size;
    private final Path path;
    private long position;
    private String subject = "the header";
    private long element = -1;
    private byte[] scratch = new byte[256];

    GgufCursor(MemorySegment file, Path path) {
        this.file = file;
        this.size = file.byteSize();
        this.path = path;
    }

    /** Names the part of the file read next, for messages: "the header", "key 'general.name'". */
    void at(String subject) {
        this.subject = subject;
        this.element = -1;
    }

    /** The index within the array being read, or -1 outside arrays; returns the previous one. */
    long element(long index) {
        long previous = element;
        element = index;
        return previous;
    }

    String subject() {
        return subject;
    }

    long position() {
        return position;
    }

    long size() {
        return size;
    }

    long remaining() {
        return size - position;
    }

    Path path() {
        return path;
    }

    int u8(String what) {
        require(1, what);
        return Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, position++));
    }

    short u16(String what) {
        require(2, what);
        short value = file.get(U16, position);
        position += 2;
        return value;
    }

    int u32(String what) {
        require(4, what);
        int value = file.get(U32, position);
        position += 4;
        return value;
    }

    long u64(String what) {
        require(8, what);
        long value = file.get(U64, position);
        position += 8;
        return value;
    }

    float f32(String what) {
        require(4, what);
        float value = file.get(F32, position);
        position += 4;
        return value;
    }

    double f64(String what) {
        require(8, what);
        double value = file.get(F64, position);
        position += 8;
        return value;
    }

    /** A GGUF string: a uint64 byte length, then that many bytes of UTF-8 (no terminator). */
    String string(String what) {
        long lengthAt = position;
        if (remaining() < 8) {
            throw truncated(8, "the length of " + what);
        }
        long length = file.get(U64, position);
        position += 8;
        if (length < 0 || length > remaining()) {
            throw problem("the length of " + what + " is " + Long.toUnsignedString(length) + " bytes, but only "
                    + remaining() + " bytes of the file follow it", lengthAt);
        }
        int n = (int) Math.min(length, Integer.MAX_VALUE);
        if (n != length) {
            throw problem("the length of " + what + " is " + length + " bytes, more than a Java string can hold",
                    lengthAt);
        }
        if (n > scratch.length) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, position, scratch, 0, n);
        position += n;
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    byte[] bytes(int count, String what) {
        require(count, what);
        byte[] values = new byte[count];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, position, values, 0, count);
        position += count;
        return values;
    }

    short[] shorts(int count, String what) {
        require(2L * count, what);
        short[] values = new short[count];
        MemorySegment.copy(file, U16, position, values, 0, count);
        position += 2L * count;
        return values;
    }

    int[] ints(int count, String what) {
        require(4L * count, what);
        int[] values = new int[count];
        MemorySegment.copy(file, U32, position, values, 0, count);
        position += 4L * count;
        return values;
    }

    long[] longs(int count, String what) {
        require(8L * count, what);
        long[] values = new long[count];
        MemorySegment.copy(file, U64, position, values, 0, count);
        position += 8L * count;
        return values;
    }

    float[] floats(int count, String what) {
        require(4L * count, what);
        float[] values = new float[count];
        MemorySegment.copy(file, F32, position, values, 0, count);
        position += 4L * count;
        return values;
    }

    double[] doubles(int count, String what) {
        require(8L * count, what);
        double[] values = new double[count];
        MemorySegment.copy(file, F64, position, values, 0, count);
        position += 8L * count;
        return values;
    }

    private void require(long bytes, String what) {
        if (bytes > size - position) {
            throw truncated(bytes, what);
        }
    }

    private GgufFormatException truncated(long bytes, String what) {
        return new GgufFormatException(path, path + " is truncated: it ends at byte " + size + ", but reading "
                + what + " of " + where() + " needs " + bytes + " bytes at byte " + position, position);
    }

    /** A format problem at {@code offset}, in the part of the file being read. */
    GgufFormatException problem(String problem, long offset) {
        return new GgufFormatException(path, path + ": " + where() + ": " + problem + " (at byte " + offset + ")",
                offset);
    }

    private String where() {
        return element < 0 ? subject : subject + ", element " + element;
    }
}
