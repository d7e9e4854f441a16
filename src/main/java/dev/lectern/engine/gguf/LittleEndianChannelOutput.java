package dev.lectern.engine.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Buffered little-endian writes to a channel, counting the bytes written. Metadata arrives as hundreds of
 * thousands of small values, tensor data as a few large blocks: small writes gather in one direct buffer,
 * large ones go to the channel as they are once the buffer is flushed.
 */
final class LittleEndianChannelOutput {

    private static final int BUFFER_BYTES = 1 << 20;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer);
    private long written;

    LittleEndianChannelOutput(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** Bytes written so far, flushed or not: the position in the file. */
    long position() {
        return written + buffer.position();
    }

    void u8(int value) throws IOException {
        room(1);
        buffer.put((byte) value);
    }

    void u16(int value) throws IOException {
        room(2);
        buffer.putShort((short) value);
    }

    void u32(int value) throws IOException {
        room(4);
        buffer.putInt(value);
    }

    void u64(long value) throws IOException {
        room(8);
        buffer.putLong(value);
    }

    void f32(float value) throws IOException {
        room(4);
        buffer.putFloat(value);
    }

    void f64(double value) throws IOException {
        room(8);
        buffer.putDouble(value);
    }

    /** A GGUF string: uint64 byte length, then the UTF-8 bytes. */
    void string(String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        write(ByteBuffer.wrap(utf8));
    }

    void zeros(long count) throws IOException {
        for (long i = 0; i < count; i++) {
            u8(0);
        }
    }

    void write(ByteBuffer source) throws IOException {
        if (source.remaining() <= buffer.remaining()) {
            buffer.put(source);
            return;
        }
        flush();
        if (source.remaining() < BUFFER_BYTES / 2) {
            buffer.put(source);
            return;
        }
        while (source.hasRemaining()) {
            written += channel.write(source);
        }
    }

    /** Copies through the buffer, because only some segments (not those over int or float arrays) can be viewed as a ByteBuffer. */
    void write(MemorySegment source) throws IOException {
        long offset = 0;
        long size = source.byteSize();
        while (offset < size) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int chunk = (int) Math.min(size - offset, buffer.remaining());
            MemorySegment.copy(source, offset, bufferSegment, buffer.position(), chunk);
            buffer.position(buffer.position() + chunk);
            offset += chunk;
        }
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            written += channel.write(buffer);
        }
        buffer.clear();
    }

    private void room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
    }
}
