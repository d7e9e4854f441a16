package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version 2 files (llama.cpp's format from late 2023) share version 3's layout and still circulate. */
class GgufVersion2Test {

    @TempDir
    Path dir;

    @Test
    void aHandBuiltVersion2FileReadsWithDefaultAlignment() throws IOException {
        RawGguf raw = RawGguf.header(2, 2, 3)
                .key("general.architecture", GgufValueType.STRING).string("llama")
                .key("llama.block_count", GgufValueType.UINT32).u32(26)
                .key("llama.rope.freq_base", GgufValueType.FLOAT32).f32(10000f)
                .tensorInfo("output_norm.weight", GgmlType.F32, 0, 4)
                .tensorInfo("token_embd.weight", GgmlType.F16, 32, 2, 3);
        int headerEnd = raw.size();
        raw.padTo(32);
        int dataOffset = raw.size();
        raw.f32(1f).f32(-2f).f32(0.5f).f32(8f).zeros(16) // output_norm, padded to 32
                .u16(0x3C00).u16(0x4000).u16(0x4200).u16(0x4400).u16(0x4500).u16(0x4600); // 1..6 in F16
        Path file = raw.writeTo(dir.resolve("v2.gguf"));

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.version()).isEqualTo(2);
            assertThat(gguf.alignment()).isEqualTo(32);
            assertThat(headerEnd % 32).as("the test must exercise the padding").isNotZero();
            assertThat(gguf.dataOffset()).isEqualTo(dataOffset);
            assertThat(gguf.metadata().requireString("general.architecture")).isEqualTo("llama");
            assertThat(gguf.metadata().requireInt("llama.block_count")).isEqualTo(26);
            assertThat(gguf.metadata().requireFloat("llama.rope.freq_base")).isEqualTo(10000f);

            GgufTensorInfo norm = gguf.requireTensor("output_norm.weight");
            assertThat(norm.shape()).containsExactly(4);
            assertThat(gguf.tensorData(norm).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)))
                    .containsExactly(1f, -2f, 0.5f, 8f);

            GgufTensorInfo embedding = gguf.requireTensor("token_embd.weight");
            assertThat(embedding.rowLength()).isEqualTo(2);
            assertThat(embedding.rowCount()).isEqualTo(3);
            assertThat(embedding.byteSize()).isEqualTo(12);
            assertThat(gguf.tensorData(embedding).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10))
                    .isEqualTo((short) 0x4600);
        }
    }
}
