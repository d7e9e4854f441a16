package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link GgufWriter} writes, {@link GgufFile} reads back unchanged. */
class GgufRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeReadsBackWithItsTypeValueAndOrder() throws IOException {
        Map<String, GgufValue> written = new LinkedHashMap<>();
        written.put("z.first.despite.sorting", GgufValue.string("order is the file's, not alphabetical"));
        written.put("u8", GgufValue.uint8(255));
        written.put("i8", GgufValue.int8(-128));
        written.put("u16", GgufValue.uint16(65535));
        written.put("i16", GgufValue.int16(-32768));
        written.put("u32", GgufValue.uint32(4_294_967_295L));
        written.put("i32", GgufValue.int32(Integer.MIN_VALUE));
        written.put("u64", GgufValue.uint64(-1L));
        written.put("i64", GgufValue.int64(Long.MIN_VALUE));
        written.put("f32", GgufValue.float32(1e-6f));
        written.put("f32.nan", GgufValue.float32(Float.NaN));
        written.put("f64", GgufValue.float64(Math.PI));
        written.put("yes", GgufValue.bool(true));
        written.put("no", GgufValue.bool(false));
        written.put("empty.string", GgufValue.string(""));
        written.put("non.ascii", GgufValue.string("Grüße, 世界 🎉 Ġhello"));
        written.put("a.u8", GgufArray.of(GgufValueType.UINT8, new byte[] {0, 1, (byte) 255}));
        written.put("a.i8", GgufArray.of(GgufValueType.INT8, new byte[] {-128, 127}));
        written.put("a.u16", GgufArray.of(GgufValueType.UINT16, new short[] {(short) 65535, 7}));
        written.put("a.i16", GgufArray.of(GgufValueType.INT16, new short[] {-32768, 32767}));
        written.put("a.u32", GgufArray.of(GgufValueType.UINT32, new int[] {-1, 0}));
        written.put("a.i32", GgufArray.ofInt32(1, -2, 3));
        written.put("a.u64", GgufArray.of(GgufValueType.UINT64, new long[] {-1L, 1L << 40}));
        written.put("a.i64", GgufArray.of(GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        written.put("a.f32", GgufArray.ofFloat32(0.5f, -0f, Float.POSITIVE_INFINITY));
        written.put("a.f64", GgufArray.of(GgufValueType.FLOAT64, new double[] {Math.E, -1e300}));
        written.put("a.bool", GgufArray.of(GgufValueType.BOOL, new boolean[] {true, false, true}));
        written.put("a.string", GgufArray.ofStrings("", "ä", "日本", "<|im_end|>"));
        written.put("a.empty", GgufArray.ofStrings());
        written.put("a.empty.ints", GgufArray.ofInt32());
        written.put("a.nested", GgufArray.ofArrays(
                GgufArray.ofInt32(1, 2),
                GgufArray.ofStrings("x"),
                GgufArray.ofArrays(GgufArray.ofFloat32(3f), GgufArray.ofArrays()),
                GgufArray.ofStrings()));
        Path file = dir.resolve("meta.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            written.forEach(writer::put);
        }

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.version()).isEqualTo(3);
            assertThat(gguf.tensors()).isEmpty();
            assertThat(gguf.metadata().asMap()).isEqualTo(written);
            assertThat(List.copyOf(gguf.metadata().keys())).containsExactlyElementsOf(written.keySet());
            gguf.metadata().asMap().forEach((key, value) -> assertThat(value.type())
                    .as(key).isEqualTo(written.get(key).type()));
            assertThat(gguf.metadata().requireString("non.ascii")).isEqualTo("Grüße, 世界 🎉 Ġhello");
            assertThat(gguf.metadata().requireArray("a.nested").arrayAt(2).arrayAt(1).size()).isZero();
        }
    }

    @Test
    void tensorsOfSeveralTypesReadBackByteIdenticalAtAlignedOffsets() throws IOException {
        List<TestTensor> tensors = List.of(
                new TestTensor("f32", GgmlType.F32, 8, 3),
                new TestTensor("f16.odd", GgmlType.F16, 5),
                new TestTensor("q8_0", GgmlType.Q8_0, 64, 2),
                new TestTensor("q4_k", GgmlType.Q4_K, 256),
                new TestTensor("q6_k.3d", GgmlType.Q6_K, 256, 2, 2),
                new TestTensor("bf16.4d", GgmlType.BF16, 3, 1, 2, 1));
        Path file = write(dir.resolve("tensors.gguf"), tensors, 0);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.tensors()).extracting(GgufTensorInfo::name)
                    .containsExactly("f32", "f16.odd", "q8_0", "q4_k", "q6_k.3d", "bf16.4d");
            assertThat(gguf.alignment()).isEqualTo(32);
            assertThat(gguf.dataOffset() % 32).isZero();
            for (TestTensor expected : tensors) {
                GgufTensorInfo info = gguf.requireTensor(expected.name);
                assertThat(info.type()).isEqualTo(expected.type);
                assertThat(info.shape()).containsExactly(expected.shape);
                assertThat(info.byteSize()).isEqualTo(expected.bytes.length);
                assertThat(info.offset() % 32).isZero();
                assertThat(gguf.tensorData(info).toArray(ValueLayout.JAVA_BYTE)).as(expected.name)
                        .isEqualTo(expected.bytes);
            }
            assertThat(gguf.requireTensor("q6_k.3d").byteSize()).isEqualTo(4 * 210);
        }
    }

    @Test
    void tensorDataIsASliceOfTheOneMappingNotACopy() throws IOException {
        List<TestTensor> tensors = List.of(new TestTensor("a", GgmlType.F32, 16), new TestTensor("b", GgmlType.Q8_0, 32));
        Path file = write(dir.resolve("slices.gguf"), tensors, 0);

        try (GgufFile gguf = GgufFile.open(file)) {
            MemorySegment a = gguf.tensorData("a");
            MemorySegment b = gguf.tensorData("b");
            assertThat(a.isMapped()).isTrue();
            assertThat(a.isReadOnly()).isTrue();
            assertThat(b.address() - a.address())
                    .isEqualTo(gguf.requireTensor("b").offset() - gguf.requireTensor("a").offset());
            assertThat(a.byteSize()).isEqualTo(64);
        }
    }

    @Test
    void customAlignmentPlacesTheDataWhereTheFileSays() throws IOException {
        List<TestTensor> tensors = List.of(new TestTensor("one", GgmlType.F16, 3), new TestTensor("two", GgmlType.F32, 5),
                new TestTensor("three", GgmlType.Q8_0, 32));
        Path file = write(dir.resolve("aligned64.gguf"), tensors, 64);
        byte[] onDisk = Files.readAllBytes(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.alignment()).isEqualTo(64);
            assertThat(gguf.metadata().requireInt("general.alignment")).isEqualTo(64);
            assertThat(gguf.dataOffset() % 64).isZero();
            assertThat(gguf.tensors()).extracting(GgufTensorInfo::offset).containsExactly(0L, 64L, 128L);
            for (TestTensor expected : tensors) {
                int start = (int) (gguf.dataOffset() + gguf.requireTensor(expected.name).offset());
                // Checked against the raw file, not through the reader's own slicing.
                assertThat(Arrays.copyOfRange(onDisk, start, start + expected.bytes.length))
                        .isEqualTo(expected.bytes);
            }
        }
    }

    @Test
    void tensorDataCannotBeReadAfterClose() throws IOException {
        TestTensor tensor = new TestTensor("w", GgmlType.F32, 4);
        Path file = write(dir.resolve("closed.gguf"), List.of(tensor), 0);
        MemorySegment data;
        try (GgufFile gguf = GgufFile.open(file)) {
            data = gguf.tensorData("w");
            assertThat(data.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo(tensor.bytes[3]);
        }
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTokenizerSizedStringArrayParses() throws IOException {
        List<String> tokens = new ArrayList<>(150_000);
        for (int i = 0; i < 150_000; i++) {
            tokens.add(i % 3 == 0 ? "Ġtoken" + i : "ü" + i);
        }
        int[] types = new int[150_000];
        Arrays.fill(types, 1);
        Path file = dir.resolve("vocab.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putStringArray("tokenizer.ggml.tokens", tokens).putInt32Array("tokenizer.ggml.token_type", types);
        }

        try (GgufFile gguf = GgufFile.open(file)) {
            List<String> read = gguf.metadata().requireStringArray("tokenizer.ggml.tokens");
            assertThat(read).hasSize(150_000);
            assertThat(read.get(0)).isEqualTo("Ġtoken0");
            assertThat(read.get(149_999)).isEqualTo("ü149999");
            assertThat(read).isEqualTo(tokens);
            assertThat(gguf.metadata().requireIntArray("tokenizer.ggml.token_type")).hasSize(150_000).containsOnly(1);
        }
    }

    private Path write(Path file, List<TestTensor> tensors, int alignment) throws IOException {
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "test");
            if (alignment != 0) {
                writer.alignment(alignment);
            }
            for (TestTensor tensor : tensors) {
                writer.addTensor(tensor.name, tensor.type, tensor.shape);
            }
            for (TestTensor tensor : tensors) {
                writer.writeTensor(tensor.name, tensor.bytes);
            }
        }
        return file;
    }

    /** A tensor with seeded random bytes: quantized blocks need no valid scales for a byte-level test. */
    private static final class TestTensor {
        final String name;
        final GgmlType type;
        final long[] shape;
        final byte[] bytes;

        TestTensor(String name, GgmlType type, long... shape) {
            this.name = name;
            this.type = type;
            this.shape = shape;
            this.bytes = new byte[(int) GgufTensorInfo.byteSize(type, shape)];
            new Random(name.hashCode()).nextBytes(bytes);
        }
    }
}
