package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {

    @TempDir
    Path dir;

    /** Checked against bytes laid out by hand, so the writer is not only checked against the reader. */
    @Test
    void writesExactlyTheBytesTheFormatPrescribes() throws IOException {
        Path file = dir.resolve("exact.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "qwen3")
                    .putUInt32("qwen3.block_count", 2)
                    .put("flags", GgufArray.of(GgufValueType.BOOL, new boolean[] {true, false}))
                    .addTensor("a", GgmlType.F16, 3)
                    .addTensor("b", GgmlType.F32, 1, 2);
            writer.writeTensor("a", new byte[] {1, 2, 3, 4, 5, 6});
            writer.writeTensor("b", new byte[] {9, 9, 9, 9, 8, 8, 8, 8});
        }
        RawGguf expected = RawGguf.header(3, 2, 3)
                .key("general.architecture", GgufValueType.STRING).string("qwen3")
                .key("qwen3.block_count", GgufValueType.UINT32).u32(2)
                .key("flags", GgufValueType.ARRAY).u32(GgufValueType.BOOL.id()).u64(2).u8(1).u8(0)
                .tensorInfo("a", GgmlType.F16, 0, 3)
                .tensorInfo("b", GgmlType.F32, 32, 1, 2)
                .padTo(32)
                .raw(1, 2, 3, 4, 5, 6).padTo(32)
                .raw(9, 9, 9, 9, 8, 8, 8, 8).padTo(32);

        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(expected.writeTo(dir.resolve("expected.bin"))));
    }

    @Test
    void streamedTensorDataArrivesInPiecesAndReadsBackIdentical() throws IOException {
        Path file = dir.resolve("streamed.gguf");
        byte[] expected = new byte[34 * 64];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 31);
        }
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.addTensor("blk.0.ffn_down.weight", GgmlType.Q8_0, 256, 8);
            writer.writeTensor("blk.0.ffn_down.weight", out -> {
                for (int start = 0; start < expected.length; start += 7) {
                    out.write(ByteBuffer.wrap(expected, start, Math.min(7, expected.length - start)));
                }
            });
        }

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.tensorData("blk.0.ffn_down.weight").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
        }
    }

    @Test
    void tensorDataFromSegmentsAndBuffersOfAnyKind() throws IOException {
        Path file = dir.resolve("sources.gguf");
        float[] values = {1f, 2f, 3f, 4f};
        ByteBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(5f).putFloat(6f).flip();
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.addTensor("heap.floats", GgmlType.F32, 4).addTensor("direct", GgmlType.F32, 2);
            writer.writeTensor("heap.floats", MemorySegment.ofArray(values));
            writer.writeTensor("direct", direct);
        }

        try (GgufFile gguf = GgufFile.open(file)) {
            // Native order, as MemorySegment.ofArray(float[]) stores them; the test machines are little-endian.
            assertThat(gguf.tensorData("heap.floats").toArray(ValueLayout.JAVA_FLOAT)).containsExactly(values);
            assertThat(gguf.tensorData("direct").toArray(ValueLayout.JAVA_FLOAT)).containsExactly(5f, 6f);
        }
    }

    @Test
    void aTensorGivenTheWrongNumberOfBytesIsRefusedAndTheWriterCanContinue() throws IOException {
        Path file = dir.resolve("sizes.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.addTensor("w", GgmlType.Q8_0, 64);
            assertThatThrownBy(() -> writer.writeTensor("w", new byte[64]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("tensor 'w' (Q8_0 [64]) takes 68 bytes, not 64");
            writer.writeTensor("w", new byte[68]);
        }
        assertThat(Files.exists(file)).isTrue();
    }

    @Test
    void streamedContentThatWritesTooMuchOrTooLittleIsRefusedAndLeavesNoFile() throws IOException {
        Path tooMuch = dir.resolve("too-much.gguf");
        try (GgufWriter writer = GgufWriter.create(tooMuch)) {
            writer.addTensor("w", GgmlType.F32, 2);
            assertThatThrownBy(() -> writer.writeTensor("w", out -> out.write(ByteBuffer.allocate(12))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("takes 8 bytes, but its content wrote more: 12");
        }
        Path tooLittle = dir.resolve("too-little.gguf");
        try (GgufWriter writer = GgufWriter.create(tooLittle)) {
            writer.addTensor("w", GgmlType.F32, 2);
            assertThatThrownBy(() -> writer.writeTensor("w", out -> out.write(ByteBuffer.allocate(4))))
                    .hasMessage("tensor 'w' (F32 [2]) takes 8 bytes, but its content wrote 4");
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void tensorsAreWrittenInDeclarationOrder() throws IOException {
        try (GgufWriter writer = GgufWriter.create(dir.resolve("order.gguf"))) {
            writer.addTensor("first", GgmlType.F32, 1).addTensor("second", GgmlType.F32, 1);
            assertThatThrownBy(() -> writer.writeTensor("second", new byte[4]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("tensor 'second' (declared) written when 'first' is next: tensors are written in declaration order");
            assertThatThrownBy(() -> writer.writeTensor("third", new byte[4]))
                    .hasMessageContaining("'third' (never declared)");
            writer.writeTensor("first", new byte[4]);
            writer.writeTensor("second", new byte[4]);
        }
    }

    @Test
    void aTensorNeverWrittenMeansNoFileAndSaysWhichOne() throws IOException {
        Path file = dir.resolve("incomplete.gguf");
        GgufWriter writer = GgufWriter.create(file);
        writer.addTensor("a", GgmlType.F32, 1).addTensor("b", GgmlType.F32, 1).addTensor("c", GgmlType.F32, 1);
        writer.writeTensor("a", new byte[4]);

        assertThatThrownBy(writer::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tensor 'b' (F32 [1]) and 1 more tensors were declared but never written; " + file
                        + " was not created");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aFailedWriteLeavesAnExistingFileUntouched() throws IOException {
        Path file = dir.resolve("model.gguf");
        Files.writeString(file, "the previous model");

        assertThatThrownBy(() -> {
            try (GgufWriter writer = GgufWriter.create(file)) {
                writer.addTensor("w", GgmlType.F32, 1024);
                writer.writeTensor("w", out -> {
                    out.write(ByteBuffer.allocate(100));
                    throw new IOException("disk full");
                });
            }
        }).isInstanceOf(IOException.class).hasMessage("disk full");

        assertThat(Files.readString(file)).isEqualTo("the previous model");
        assertThat(dir.resolve("model.gguf.partial")).doesNotExist();
    }

    @Test
    void nothingCanBeAddedOnceTensorDataHasStarted() throws IOException {
        try (GgufWriter writer = GgufWriter.create(dir.resolve("late.gguf"))) {
            writer.addTensor("w", GgmlType.F32, 1);
            writer.writeTensor("w", new byte[4]);
            assertThatThrownBy(() -> writer.putString("general.name", "late"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot add metadata: tensor data has started");
            assertThatThrownBy(() -> writer.addTensor("v", GgmlType.F32, 1))
                    .hasMessage("cannot declare tensor 'v': tensor data has started");
        }
    }

    @Test
    void declarationsThatGgmlCouldNotLoadAreRefused() throws IOException {
        try (GgufWriter writer = GgufWriter.create(dir.resolve("bad-shapes.gguf"))) {
            assertThatThrownBy(() -> writer.addTensor("five", GgmlType.F32, 1, 1, 1, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 dimensions");
            assertThatThrownBy(() -> writer.addTensor("none", GgmlType.F32))
                    .hasMessageContaining("0 dimensions");
            assertThatThrownBy(() -> writer.addTensor("zero", GgmlType.F32, 4, 0))
                    .hasMessageContaining("[4, 0]").hasMessageContaining("at least 1");
            assertThatThrownBy(() -> writer.addTensor("rows", GgmlType.Q4_K, 300, 2))
                    .hasMessageContaining("tensor 'rows' [300, 2]").hasMessageContaining("blocks of 256");
            assertThatThrownBy(() -> writer.addTensor("n".repeat(64), GgmlType.F32, 1))
                    .hasMessageContaining("limit of 63 bytes");
            writer.addTensor("n".repeat(63), GgmlType.F32, 1);
            assertThatThrownBy(() -> writer.addTensor("n".repeat(63), GgmlType.F32, 1))
                    .hasMessageContaining("already declared");
            writer.writeTensor("n".repeat(63), new byte[4]);
        }
    }

    @Test
    void metadataKeysAreUniqueAndAlignmentMustBeAUInt32PowerOfTwo() throws IOException {
        try (GgufWriter writer = GgufWriter.create(dir.resolve("keys.gguf"))) {
            writer.putString("general.name", "a");
            assertThatThrownBy(() -> writer.putString("general.name", "b"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'general.name' was already added");
            assertThatThrownBy(() -> writer.alignment(48)).hasMessageContaining("power of two");
            assertThatThrownBy(() -> writer.alignment(0)).hasMessageContaining("power of two");
            assertThatThrownBy(() -> writer.putInt32("general.alignment", 64)).hasMessageContaining("UINT32");
            writer.alignment(16);
        }
    }

    @Test
    void integerValuesOutsideTheirTypeAreRefused() {
        assertThatThrownBy(() -> GgufValue.uint8(256)).hasMessage("256 does not fit UINT8");
        assertThatThrownBy(() -> GgufValue.uint32(-1)).hasMessage("-1 does not fit UINT32");
        assertThatThrownBy(() -> GgufValue.int16(40000)).hasMessage("40000 does not fit INT16");
    }

    @Test
    void everyTensorIsPaddedSoTheNextStartsAligned() throws IOException {
        Path file = dir.resolve("padding.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.alignment(128).addTensor("a", GgmlType.F16, 3).addTensor("b", GgmlType.F16, 3);
            writer.writeTensor("a", new byte[] {1, 2, 3, 4, 5, 6});
            writer.writeTensor("b", new byte[] {7, 8, 9, 10, 11, 12});
        }
        byte[] bytes = Files.readAllBytes(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            long data = gguf.dataOffset();
            assertThat(data % 128).isZero();
            assertThat(Arrays.copyOfRange(bytes, (int) data, (int) data + 6)).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(Arrays.copyOfRange(bytes, (int) data + 6, (int) data + 128)).containsOnly(0);
            assertThat(Arrays.copyOfRange(bytes, (int) data + 128, (int) data + 134)).containsExactly(7, 8, 9, 10, 11, 12);
        }
    }
}
