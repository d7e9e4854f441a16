package dev.lectern.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds GGUF bytes by hand, field by field, independently of {@link GgufWriter}: for files the writer
 * would refuse to make (damaged, version 2) and so that reader tests do not only check the writer against
 * itself.
 */
final class RawGguf {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    static RawGguf header(int version, long tensorCount, long metadataCount) {
        return new RawGguf().raw('G', 'G', 'U', 'F').u32(version).u64(tensorCount).u64(metadataCount);
    }

    static RawGguf empty() {
        return new RawGguf();
    }

    RawGguf raw(int... values) {
        for (int value : values) {
            bytes.write(value);
        }
        return this;
    }

    RawGguf u8(int value) {
        return raw(value);
    }

    RawGguf u16(int value) {
        return put(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) value));
    }

    RawGguf u32(int value) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value));
    }

    RawGguf u64(long value) {
        return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value));
    }

    RawGguf f32(float value) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value));
    }

    RawGguf string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        bytes.writeBytes(utf8);
        return this;
    }

    /** A key and its value type; the value follows with the other methods. */
    RawGguf key(String key, GgufValueType type) {
        return string(key).u32(type.id());
    }

    RawGguf tensorInfo(String name, GgmlType type, long offset, long... shape) {
        return tensorInfo(name, type.id(), offset, shape);
    }

    RawGguf tensorInfo(String name, int typeId, long offset, long... shape) {
        string(name).u32(shape.length);
        for (long dimension : shape) {
            u64(dimension);
        }
        return u32(typeId).u64(offset);
    }

    RawGguf padTo(int alignment) {
        while (bytes.size() % alignment != 0) {
            bytes.write(0);
        }
        return this;
    }

    RawGguf zeros(int count) {
        bytes.writeBytes(new byte[count]);
        return this;
    }

    int size() {
        return bytes.size();
    }

    Path writeTo(Path file) throws IOException {
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private RawGguf put(ByteBuffer buffer) {
        bytes.writeBytes(buffer.array());
        return this;
    }
}
