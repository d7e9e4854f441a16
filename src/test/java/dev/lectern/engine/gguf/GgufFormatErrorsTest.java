package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a file can be unreadable ends in a {@link GgufFormatException} whose message names the file,
 * the key or tensor and what is wrong, so a user can tell a damaged download from an unsupported model.
 */
class GgufFormatErrorsTest {

    @TempDir
    Path dir;

    @Test
    void wrongMagicSaysThisIsNotAGgufFileAndShowsItsFirstBytes() throws IOException {
        Path file = RawGguf.empty().raw(0x50, 0x4B, 0x03, 0x04).zeros(40).writeTo(dir.resolve("model.zip"));

        GgufFormatException e = openFailure(file);

        assertThat(e.getMessage()).contains(file.toString(), "not a GGUF file", "50 4B 03 04", "\"PK..\"",
                "47 47 55 46");
        assertThat(e.byteOffset()).hasValue(0);
    }

    @Test
    void anEmptyFileIsNotAGgufFile() throws IOException {
        Path file = RawGguf.empty().writeTo(dir.resolve("empty.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "not a GGUF file", "0 bytes");
    }

    @Test
    void version1IsRejectedWithTheWayOut() throws IOException {
        Path file = RawGguf.empty().raw('G', 'G', 'U', 'F').u32(1).u32(0).u32(0).writeTo(dir.resolve("old.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "version 1", "versions 2 and 3",
                "llama.cpp");
    }

    @Test
    void aFutureVersionIsRejected() throws IOException {
        Path file = RawGguf.header(4, 0, 0).writeTo(dir.resolve("future.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "version 4", "versions 2 and 3");
    }

    @Test
    void aBigEndianFileIsRecognisedAsSuch() throws IOException {
        Path file = RawGguf.header(Integer.reverseBytes(3), 0, 0).writeTo(dir.resolve("s390x.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "big-endian");
    }

    @Test
    void truncatedHeaderNamesTheFileAndWhereItEnds() throws IOException {
        Path file = RawGguf.empty().raw('G', 'G', 'U', 'F').u32(3).u32(0).writeTo(dir.resolve("cut.gguf"));

        GgufFormatException e = openFailure(file);

        assertThat(e.getMessage()).contains(file.toString(), "truncated", "ends at byte 12", "the tensor count",
                "at byte 8");
    }

    @Test
    void truncatedMetadataNamesTheKeyBeingRead() throws IOException {
        Path file = RawGguf.header(3, 0, 2)
                .key("general.architecture", GgufValueType.STRING).string("qwen3")
                .key("qwen3.block_count", GgufValueType.UINT32).u16(28)
                .writeTo(dir.resolve("cut-meta.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "truncated", "key 'qwen3.block_count'",
                "the UINT32 value");
    }

    @Test
    void truncatedStringArrayNamesTheKeyAndTheElement() throws IOException {
        Path file = RawGguf.header(3, 0, 1)
                .key("tokenizer.ggml.tokens", GgufValueType.ARRAY).u32(GgufValueType.STRING.id()).u64(3)
                .string("alpha").string("beta").u32(0)
                .writeTo(dir.resolve("cut-tokens.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "truncated",
                "key 'tokenizer.ggml.tokens', element 2", "the length of the string");
    }

    @Test
    void truncatedDirectoryNamesTheTensor() throws IOException {
        Path file = RawGguf.header(3, 1, 0)
                .string("blk.0.attn_q.weight").u32(2).u64(1024)
                .writeTo(dir.resolve("cut-dir.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "truncated", "tensor 'blk.0.attn_q.weight'",
                "dimension 1");
    }

    @Test
    void aStringLongerThanTheFileIsReportedAsSuch() throws IOException {
        Path file = RawGguf.header(3, 0, 1)
                .key("general.name", GgufValueType.STRING).u64(1_000_000).raw('Q', 'w', 'e', 'n')
                .writeTo(dir.resolve("long-string.gguf"));

        GgufFormatException e = openFailure(file);

        assertThat(e.getMessage()).contains(file.toString(), "key 'general.name'", "1000000 bytes",
                "only 4 bytes of the file follow");
        assertThat(e.byteOffset()).hasValue(24 + 8 + "general.name".length() + 4);
    }

    @Test
    void anAbsurdTensorCountIsRejectedBeforeAnythingIsAllocated() throws IOException {
        Path file = RawGguf.header(3, Long.MAX_VALUE, 0).writeTo(dir.resolve("many.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "declares 9223372036854775807 tensors");
    }

    @Test
    void anAbsurdArrayLengthIsRejectedBeforeAnythingIsAllocated() throws IOException {
        Path file = RawGguf.header(3, 0, 1)
                .key("tokenizer.ggml.merges", GgufValueType.ARRAY).u32(GgufValueType.STRING.id()).u64(1L << 40)
                .zeros(64)
                .writeTo(dir.resolve("huge-array.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'tokenizer.ggml.merges'",
                "1099511627776 STRING elements");
    }

    @Test
    void anUnknownValueTypeNamesKeyAndId() throws IOException {
        Path file = RawGguf.header(3, 0, 1).string("general.file_type").u32(13).u32(7).writeTo(dir.resolve("type13.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'general.file_type'",
                "value type is 13");
    }

    @Test
    void duplicateKeysAreRejected() throws IOException {
        Path file = RawGguf.header(3, 0, 2)
                .key("general.name", GgufValueType.STRING).string("a")
                .key("general.name", GgufValueType.STRING).string("b")
                .writeTo(dir.resolve("dup-key.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'general.name'", "appears twice");
    }

    @Test
    void arraysNestedAbsurdlyDeepAreRejected() throws IOException {
        RawGguf raw = RawGguf.header(3, 0, 1).key("deep", GgufValueType.ARRAY);
        for (int level = 0; level < 40; level++) {
            raw.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        raw.u32(GgufValueType.INT32.id()).u64(0);
        Path file = raw.writeTo(dir.resolve("deep.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'deep'", "nested more than 16");
    }

    @Test
    void anUnknownTensorTypeNamesTheTensorAndTheId() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("blk.0.ffn_up.weight", 99, 0, 32).padTo(32).zeros(256)
                .writeTo(dir.resolve("type99.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'blk.0.ffn_up.weight'",
                "type id is 99");
    }

    @Test
    void moreThanFourDimensionsAreRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("five.d", GgmlType.F32, 0, 1, 1, 1, 1, 1).padTo(32).zeros(32)
                .writeTo(dir.resolve("5d.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'five.d'", "5 dimensions");
    }

    @Test
    void aZeroDimensionIsRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("flat", GgmlType.F32, 0, 4, 0).padTo(32)
                .writeTo(dir.resolve("zero-dim.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'flat'", "dimension 1 is 0");
    }

    @Test
    void aNegativeDimensionIsRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("neg", GgmlType.F32, 0, -4).padTo(32)
                .writeTo(dir.resolve("neg-dim.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'neg'", "dimension 0 is 18446744073709551612");
    }

    @Test
    void aRowThatDoesNotDivideIntoBlocksIsRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("blk.0.attn_k.weight", GgmlType.Q8_0, 0, 48, 2).padTo(32)
                .zeros(256).writeTo(dir.resolve("rows.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'blk.0.attn_k.weight'",
                "row length 48", "Q8_0", "block size 32");
    }

    @Test
    void duplicateTensorNamesAreRejected() throws IOException {
        Path file = RawGguf.header(3, 2, 0)
                .tensorInfo("output.weight", GgmlType.F32, 0, 8)
                .tensorInfo("output.weight", GgmlType.F32, 32, 8)
                .padTo(32).zeros(64).writeTo(dir.resolve("dup-tensor.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'output.weight'",
                "two tensors have this name", "0 and 1");
    }

    @Test
    void aMisalignedTensorOffsetIsRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("token_embd.weight", GgmlType.F32, 16, 4).padTo(32).zeros(64)
                .writeTo(dir.resolve("misaligned.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'token_embd.weight'",
                "data offset 16", "not a multiple of the alignment 32");
    }

    @Test
    void tensorDataPastTheEndNamesTheTensorItsEndAndTheFileSize() throws IOException {
        RawGguf raw = RawGguf.header(3, 1, 0).tensorInfo("output.weight", GgmlType.F32, 0, 100).padTo(32);
        int dataOffset = raw.size();
        Path file = raw.zeros(64).writeTo(dir.resolve("short-data.gguf"));
        long size = Files.size(file);

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'output.weight'",
                "at byte " + (dataOffset + 400), "past the end of the file (" + size + " bytes)");
    }

    @Test
    void aTensorOffsetFarBeyondTheFileIsRejected() throws IOException {
        Path file = RawGguf.header(3, 1, 0).tensorInfo("far", GgmlType.F32, 1L << 40, 8).padTo(32).zeros(32)
                .writeTo(dir.resolve("far.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "tensor 'far'", "past the end of the file");
    }

    @Test
    void anAlignmentOfZeroIsRejected() throws IOException {
        Path file = RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.UINT32).u32(0)
                .writeTo(dir.resolve("align0.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'general.alignment'", "is 0",
                "power of two");
    }

    @Test
    void anAlignmentThatIsNotAPowerOfTwoIsRejected() throws IOException {
        Path file = RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.UINT32).u32(48)
                .writeTo(dir.resolve("align48.gguf"));

        assertThat(openFailure(file).getMessage()).contains(file.toString(), "key 'general.alignment'", "is 48",
                "power of two");
    }

    @Test
    void anAlignmentThatIsNotANumberIsRejected() throws IOException {
        Path file = RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.STRING).string("32")
                .writeTo(dir.resolve("align-string.gguf"));

        assertThat(openFailure(file).getMessage())
                .isEqualTo("key 'general.alignment' in " + file + " is STRING, expected an integer");
    }

    private static GgufFormatException openFailure(Path file) {
        GgufFormatException e = catchThrowableOfType(GgufFormatException.class, () -> GgufFile.open(file).close());
        assertThat(e).as("opening %s must fail", file).isNotNull();
        assertThat(e.file()).isEqualTo(file);
        return e;
    }
}
