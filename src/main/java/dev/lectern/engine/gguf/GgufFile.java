package dev.lectern.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: its metadata, its tensor directory and each tensor's bytes as a slice of one
 * read-only mapping of the whole file. Opening reads only the header, metadata and directory; the
 * operating system pages tensor data in when it is first touched, so opening a multi-gigabyte model takes
 * as long as decoding its tokenizer strings.
 *
 * <p>The mapping belongs to a shared arena, so tensor slices may be read from any thread. {@link #close()}
 * unmaps the file; every slice handed out becomes unusable then (reads throw {@link IllegalStateException}
 * instead of crashing the JVM).
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GgufParser.Contents contents;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufParser.Contents contents) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.contents = contents;
        Map<String, GgufTensorInfo> byName = LinkedHashMap.newLinkedHashMap(contents.tensors().size());
        for (GgufTensorInfo tensor : contents.tensors()) {
            byName.put(tensor.name(), tensor);
        }
        this.tensorsByName = byName;
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws GgufFormatException when the file is not a GGUF file Lectern can read; the message names the
     *                             file, the key or tensor and the problem
     * @throws IOException         when the file cannot be opened or mapped
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, mapping, GgufParser.parse(path, mapping));
        } catch (Throwable failure) {
            arena.close();
            throw failure;
        }
    }

    public Path path() {
        return path;
    }

    /** 2 or 3; both share one layout. */
    public int version() {
        return contents.version();
    }

    public GgufMetadata metadata() {
        return contents.metadata();
    }

    /** The alignment of tensor data: {@code general.alignment}, or 32 when the file does not set it. */
    public int alignment() {
        return contents.alignment();
    }

    /** Where the tensor data section starts in the file; tensor offsets count from here. */
    public long dataOffset() {
        return contents.dataOffset();
    }

    /** The file's size in bytes. */
    public long size() {
        return mapping.byteSize();
    }

    /** Every tensor, in the order of the file's directory. */
    public List<GgufTensorInfo> tensors() {
        return contents.tensors();
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** @throws GgufFormatException naming the file and tensor when the file has no tensor of that name */
    public GgufTensorInfo requireTensor(String name) {
        GgufTensorInfo tensor = tensorsByName.get(name);
        if (tensor == null) {
            throw new GgufFormatException(path, path + " has no tensor '" + name + "'");
        }
        return tensor;
    }

    /** The bytes of the named tensor: a slice of the mapping, no copy. */
    public MemorySegment tensorData(String name) {
        return tensorData(requireTensor(name));
    }

    /**
     * The bytes of {@code tensor}, which must come from this file's directory: a read-only slice of the
     * mapping, valid until {@link #close()}.
     */
    public MemorySegment tensorData(GgufTensorInfo tensor) {
        if (!tensor.equals(tensorsByName.get(tensor.name()))) {
            throw new IllegalArgumentException(tensor + " is not a tensor of " + path);
        }
        return mapping.asSlice(contents.dataOffset() + tensor.offset(), tensor.byteSize());
    }

    /** Unmaps the file; idempotent. */
    /**
     * A SHA-256 that changes whenever the model the file holds does: over everything before the tensor data
     * (header, metadata with the tokenizer and chat template, the tensor directory), the file's size, and
     * 4 KiB from the start, middle and end of every tensor's data (so two files of one shape and type with
     * other weights differ, without reading gigabytes). Cached keys and values are keyed by it: a cache entry
     * from another model must never be taken for this one's.
     */
    public byte[] contentFingerprint() {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        digest.update(mapping.asSlice(0, contents.dataOffset()).asByteBuffer());
        digest.update(java.nio.ByteBuffer.allocate(8).putLong(mapping.byteSize()).flip());
        long sample = 4096;
        for (GgufTensorInfo tensor : contents.tensors()) {
            MemorySegment data = tensorData(tensor);
            long size = data.byteSize();
            for (long at : new long[] {0, Math.max(0, size / 2 - sample / 2), Math.max(0, size - sample)}) {
                digest.update(data.asSlice(at, Math.min(sample, size - at)).asByteBuffer());
            }
        }
        return digest.digest();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return path + " (GGUF v" + version() + ", " + metadata().size() + " metadata entries, " + tensors().size()
                + " tensors)";
    }
}
