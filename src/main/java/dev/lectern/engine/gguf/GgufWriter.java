package dev.lectern.engine.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a GGUF version 3 file, streaming tensor data so that a multi-gigabyte model never has to be in
 * memory at once.
 *
 * <p>Use it in two phases. First add metadata ({@code put...}) and declare every tensor
 * ({@link #addTensor}); then write each tensor's bytes ({@code writeTensor}) in declaration order. The
 * first {@code writeTensor} (or {@link #close()}, for a file without tensors) writes the header, after which
 * nothing more can be added. Each tensor must receive exactly the bytes its type and shape call for.
 *
 * <p>The file is written under a temporary name beside the target and moved into place by a successful
 * {@link #close()}; a writer closed early, or after a failed write, deletes it, so a half-written model
 * never looks like a model.
 */
public final class GgufWriter implements AutoCloseable {

    /** ggml's limit for tensor names (GGML_MAX_NAME, 64, including the terminating NUL). */
    public static final int MAX_TENSOR_NAME_BYTES = 63;

    private static final int VERSION = 3;
    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};

    /** Writes one tensor's bytes to {@code out}; the writer checks the count. */
    @FunctionalInterface
    public interface TensorContent {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private enum Phase { DECLARING, WRITING_DATA, CLOSED }

    private record Declared(String name, GgmlType type, long[] shape, long byteSize) {
    }

    private final Path target;
    private final Path partial;
    private final FileChannel channel;
    private final LittleEndianChannelOutput out;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Declared> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private int alignment = GgufParser.DEFAULT_ALIGNMENT;
    private Phase phase = Phase.DECLARING;
    private int nextTensor;
    private boolean failed;

    private GgufWriter(Path target) throws IOException {
        this.target = target;
        this.partial = target.resolveSibling(target.getFileName() + ".partial");
        this.channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        this.out = new LittleEndianChannelOutput(channel);
    }

    /** Starts writing {@code target}, which appears (replacing any file there) only on a successful close. */
    public static GgufWriter create(Path target) throws IOException {
        return new GgufWriter(target);
    }

    /**
     * Adds a metadata entry; keys keep the order they are added in. {@code general.alignment} sets the
     * alignment of tensor data and must be a UINT32 power of two.
     *
     * @throws IllegalArgumentException when the key was added before
     */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        requirePhase(Phase.DECLARING, "add metadata");
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' was already added");
        }
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            alignment = checkedAlignment(value);
        }
        metadata.put(key, value);
        return this;
    }

    /** Sets {@code general.alignment}: tensor data offsets become multiples of {@code bytes}. */
    public GgufWriter alignment(int bytes) {
        return put(GgufParser.ALIGNMENT_KEY, GgufValue.uint32(bytes));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    public GgufWriter putBoolean(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValue.uint32(value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.int32(value));
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValue.uint64(value));
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValue.int64(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.float32(value));
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValue.float64(value));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, GgufArray.ofStrings(values));
    }

    public GgufWriter putInt32Array(String key, int... values) {
        return put(key, GgufArray.ofInt32(values));
    }

    public GgufWriter putFloat32Array(String key, float... values) {
        return put(key, GgufArray.ofFloat32(values));
    }

    /**
     * Declares the next tensor. Its data is written later, in declaration order.
     *
     * @param shape dimensions in ggml order: {@code shape[0]} is the row length
     * @throws IllegalArgumentException for a duplicate or over-long name, a rank outside 1–4, a dimension
     *                                  below 1, or a row that does not divide into the type's blocks
     */
    public GgufWriter addTensor(String name, GgmlType type, long... shape) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        requirePhase(Phase.DECLARING, "declare tensor '" + name + "'");
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than ggml's limit of "
                    + MAX_TENSOR_NAME_BYTES + " bytes");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already declared");
        }
        if (shape.length < 1 || shape.length > GgufParser.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length
                    + " dimensions; a ggml tensor has 1 to " + GgufParser.MAX_DIMENSIONS);
        }
        for (long dimension : shape) {
            if (dimension < 1) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                        + "; every dimension must be at least 1");
            }
        }
        long byteSize;
        try {
            byteSize = GgufTensorInfo.byteSize(type, shape);
        } catch (IllegalArgumentException | ArithmeticException badShape) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(shape) + ": "
                    + badShape.getMessage(), badShape);
        }
        tensors.add(new Declared(name, type, shape.clone(), byteSize));
        tensorNames.add(name);
        return this;
    }

    /** Writes the next tensor's data from an array holding exactly its bytes. */
    public void writeTensor(String name, byte[] data) throws IOException {
        writeTensor(name, ByteBuffer.wrap(data));
    }

    /** Writes the next tensor's data from the buffer's remaining bytes, which must be exactly its bytes. */
    public void writeTensor(String name, ByteBuffer data) throws IOException {
        Declared tensor = startTensor(name);
        checkSize(tensor, data.remaining());
        guarded(() -> out.write(data.duplicate()));
        finishTensor(tensor);
    }

    /** Writes the next tensor's data from a segment of exactly its size (heap, native or mapped). */
    public void writeTensor(String name, MemorySegment data) throws IOException {
        Declared tensor = startTensor(name);
        checkSize(tensor, data.byteSize());
        guarded(() -> out.write(data));
        finishTensor(tensor);
    }

    /**
     * Streams the next tensor's data: {@code content} writes it to the channel it is given, in pieces of
     * any size, without ever holding the whole tensor.
     *
     * @throws IllegalStateException when {@code content} writes more or fewer bytes than the tensor has
     */
    public void writeTensor(String name, TensorContent content) throws IOException {
        Declared tensor = startTensor(name);
        CountingChannel counter = new CountingChannel(tensor);
        guarded(() -> content.writeTo(counter));
        if (counter.count != tensor.byteSize()) {
            failed = true;
            throw new IllegalStateException(describe(tensor) + " takes " + tensor.byteSize()
                    + " bytes, but its content wrote " + counter.count);
        }
        finishTensor(tensor);
    }

    /**
     * Finishes the file and moves it into place. Without an error before, every declared tensor must have
     * been written; otherwise the partial file is deleted (and, if the writer was not already failing, an
     * exception says which tensor is missing).
     */
    @Override
    public void close() throws IOException {
        if (phase == Phase.CLOSED) {
            return;
        }
        try {
            if (!failed && phase == Phase.DECLARING) {
                guarded(this::writeHeader);
            }
            if (!failed && nextTensor < tensors.size()) {
                failed = true;
                Declared missing = tensors.get(nextTensor);
                int more = tensors.size() - nextTensor - 1;
                throw new IllegalStateException(describe(missing) + (more > 0 ? " and " + more + " more tensors" : "")
                        + " were declared but never written; " + target + " was not created");
            }
            if (!failed) {
                guarded(out::flush);
            }
        } finally {
            phase = Phase.CLOSED;
            channel.close();
            if (failed) {
                Files.deleteIfExists(partial);
            }
        }
        moveIntoPlace();
    }

    private Declared startTensor(String name) throws IOException {
        if (failed) {
            throw new IllegalStateException("an earlier write failed; " + target + " will not be created");
        }
        if (phase == Phase.CLOSED) {
            throw new IllegalStateException("cannot write tensor '" + name + "': the writer is closed");
        }
        if (nextTensor >= tensors.size()) {
            throw new IllegalStateException("tensor '" + name + "' comes after all " + tensors.size()
                    + " declared tensors were written");
        }
        Declared next = tensors.get(nextTensor);
        if (!next.name().equals(name)) {
            String declared = tensorNames.contains(name) ? "declared" : "never declared";
            throw new IllegalStateException("tensor '" + name + "' (" + declared + ") written when '" + next.name()
                    + "' is next: tensors are written in declaration order");
        }
        if (phase == Phase.DECLARING) {
            guarded(this::writeHeader);
            phase = Phase.WRITING_DATA;
        }
        return next;
    }

    private void checkSize(Declared tensor, long bytes) {
        if (bytes != tensor.byteSize()) {
            throw new IllegalArgumentException(describe(tensor) + " takes " + tensor.byteSize() + " bytes, not "
                    + bytes);
        }
    }

    private void finishTensor(Declared tensor) throws IOException {
        guarded(() -> out.zeros(GgufParser.alignUp(tensor.byteSize(), alignment) - tensor.byteSize()));
        nextTensor++;
    }

    private void writeHeader() throws IOException {
        out.write(ByteBuffer.wrap(MAGIC));
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> entry : metadata.entrySet()) {
            out.string(entry.getKey());
            out.u32(entry.getValue().type().id());
            writeValue(entry.getValue());
        }
        long offset = 0;
        for (Declared tensor : tensors) {
            out.string(tensor.name());
            out.u32(tensor.shape().length);
            for (long dimension : tensor.shape()) {
                out.u64(dimension);
            }
            out.u32(tensor.type().id());
            out.u64(offset);
            offset = GgufParser.alignUp(offset + tensor.byteSize(), alignment);
        }
        out.zeros(GgufParser.alignUp(out.position(), alignment) - out.position());
    }

    private void writeValue(GgufValue value) throws IOException {
        switch (value) {
            case GgufValue.IntegerValue(GgufValueType type, long number) -> writeInteger(type, number);
            case GgufValue.FloatValue(GgufValueType type, double number) -> {
                if (type == GgufValueType.FLOAT32) {
                    out.f32((float) number);
                } else {
                    out.f64(number);
                }
            }
            case GgufValue.BooleanValue(boolean flag) -> out.u8(flag ? 1 : 0);
            case GgufValue.StringValue(String text) -> out.string(text);
            case GgufArray array -> writeArray(array);
        }
    }

    private void writeInteger(GgufValueType type, long value) throws IOException {
        switch (type.fixedSize()) {
            case 1 -> out.u8((int) value);
            case 2 -> out.u16((int) value);
            case 4 -> out.u32((int) value);
            default -> out.u64(value);
        }
    }

    private void writeArray(GgufArray array) throws IOException {
        out.u32(array.elementType().id());
        out.u64(array.size());
        switch (array.elements()) {
            case byte[] values -> out.write(ByteBuffer.wrap(values));
            case short[] values -> {
                for (short v : values) {
                    out.u16(v);
                }
            }
            case int[] values -> {
                for (int v : values) {
                    out.u32(v);
                }
            }
            case long[] values -> {
                for (long v : values) {
                    out.u64(v);
                }
            }
            case float[] values -> {
                for (float v : values) {
                    out.f32(v);
                }
            }
            case double[] values -> {
                for (double v : values) {
                    out.f64(v);
                }
            }
            case boolean[] values -> {
                for (boolean v : values) {
                    out.u8(v ? 1 : 0);
                }
            }
            case String[] values -> {
                for (String v : values) {
                    out.string(v);
                }
            }
            case GgufArray[] values -> {
                for (GgufArray v : values) {
                    writeArray(v);
                }
            }
            default -> throw new IllegalStateException("unexpected array storage " + array.elements().getClass());
        }
    }

    private void moveIntoPlace() throws IOException {
        if (failed) {
            return;
        }
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void requirePhase(Phase required, String action) {
        if (phase != required) {
            throw new IllegalStateException("cannot " + action + ": "
                    + (phase == Phase.CLOSED ? "the writer is closed" : "tensor data has started"));
        }
    }

    private static int checkedAlignment(GgufValue value) {
        if (!(value instanceof GgufValue.IntegerValue(GgufValueType type, long bytes)) || type != GgufValueType.UINT32
                || bytes <= 0 || bytes > (1 << 30) || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException(GgufParser.ALIGNMENT_KEY + " must be a UINT32 power of two, not "
                    + value.type() + " " + value);
        }
        return (int) bytes;
    }

    private static String describe(Declared tensor) {
        return "tensor '" + tensor.name() + "' (" + tensor.type() + " " + Arrays.toString(tensor.shape()) + ")";
    }

    /** Marks the writer failed when an I/O step throws, so close() deletes the partial file. */
    private void guarded(IoStep step) throws IOException {
        try {
            step.run();
        } catch (IOException | RuntimeException | Error failure) {
            failed = true;
            throw failure;
        }
    }

    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }

    /** What a streaming tensor writes into: counts the bytes and refuses any beyond the tensor's size. */
    private final class CountingChannel implements WritableByteChannel {
        private final Declared tensor;
        private long count;

        CountingChannel(Declared tensor) {
            this.tensor = tensor;
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            int bytes = source.remaining();
            if (bytes > tensor.byteSize() - count) {
                throw new IllegalStateException(describe(tensor) + " takes " + tensor.byteSize()
                        + " bytes, but its content wrote more: " + (count + bytes) + " so far");
            }
            out.write(source);
            count += bytes;
            return bytes;
        }

        @Override
        public boolean isOpen() {
            return phase == Phase.WRITING_DATA;
        }

        @Override
        public void close() {
            // The writer owns the file; a tensor's content closing its sink must not end the file.
        }
    }
}
