package dev.lectern.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufFormatException;
import dev.lectern.engine.gguf.GgufWriter;

class Qwen3ConfigTest {

    private static final int VOCAB = 40;
    private static final int HIDDEN = 64;

    @TempDir
    Path dir;

    @Test
    void readsEveryValueOfAQwen3File() throws IOException {
        Qwen3Config config = configOf(writeModel(writer -> writer
                .putUInt32("qwen3.attention.key_length", 32)
                .putUInt32("qwen3.attention.value_length", 32)
                .putString("qwen3.rope.scaling.type", "yarn")
                .putFloat32("qwen3.rope.scaling.factor", 4f)
                .putUInt32("qwen3.rope.scaling.original_context_length", 32768), true));

        assertThat(config.blockCount()).isEqualTo(2);
        assertThat(config.embeddingLength()).isEqualTo(HIDDEN);
        assertThat(config.feedForwardLength()).isEqualTo(128);
        assertThat(config.headCount()).isEqualTo(4);
        assertThat(config.headCountKv()).isEqualTo(2);
        assertThat(config.keyLength()).isEqualTo(32);
        assertThat(config.queryWidth()).as("query heads wider than the embedding, as in Qwen3-4B").isEqualTo(128);
        assertThat(config.kvWidth()).isEqualTo(64);
        assertThat(config.queryGroupSize()).isEqualTo(2);
        assertThat(config.ropeFreqBase()).isEqualTo(1_000_000f);
        assertThat(config.rmsNormEpsilon()).isEqualTo(1e-6f);
        assertThat(config.contextLength()).isEqualTo(40960);
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling(RopeScaling.Kind.YARN, 4f, 32768));
        assertThat(config.vocabularySize()).isEqualTo(VOCAB);
        assertThat(config.tiedEmbeddings()).isFalse();
        assertThat(config.kvBytesPerToken(2)).isEqualTo(2L * 2 * (32 + 32) * 2);
    }

    @Test
    void headSizeDefaultsToEmbeddingOverHeadsAndTheOutputHeadMayBeTied() throws IOException {
        Qwen3Config config = configOf(writeModel(writer -> { }, false));
        assertThat(config.keyLength()).isEqualTo(HIDDEN / 4);
        assertThat(config.valueLength()).isEqualTo(HIDDEN / 4);
        assertThat(config.ropeScaling()).isEqualTo(RopeScaling.NONE);
        assertThat(config.tiedEmbeddings()).isTrue();
    }

    @Test
    void anotherArchitectureIsRefusedByName() throws IOException {
        Path file = dir.resolve("llama.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "llama");
        }
        assertThatThrownBy(() -> configOf(file))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("llama.gguf")
                .hasMessageContaining("'llama'")
                .hasMessageContaining("Qwen3");
    }

    @Test
    void aMissingKeyIsNamed() throws IOException {
        Path file = dir.resolve("no-eps.gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "qwen3")
                    .putUInt32("qwen3.block_count", 2)
                    .putUInt32("qwen3.embedding_length", HIDDEN)
                    .putUInt32("qwen3.feed_forward_length", 128)
                    .putUInt32("qwen3.attention.head_count", 4)
                    .putUInt32("qwen3.context_length", 4096)
                    .addTensor("token_embd.weight", GgmlType.F32, HIDDEN, VOCAB);
            writer.writeTensor("token_embd.weight", new byte[HIDDEN * VOCAB * 4]);
        }
        assertThatThrownBy(() -> configOf(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("qwen3.attention.layer_norm_rms_epsilon")
                .hasMessageContaining("no-eps.gguf");
    }

    @Test
    void headsThatDoNotGroupAreRefused() throws IOException {
        Path file = writeModel(writer -> { }, true, 3);
        assertThatThrownBy(() -> configOf(file))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("head_count 4 is not a multiple of attention.head_count_kv 3");
    }

    @Test
    void aTokenListThatDoesNotMatchTheEmbeddingTableIsRefused() throws IOException {
        Path file = writeModel(writer -> writer.putStringArray("tokenizer.ggml.tokens",
                Collections.nCopies(VOCAB + 1, "x")), true);
        assertThatThrownBy(() -> configOf(file))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("41 entries")
                .hasMessageContaining("40 rows");
    }

    private static Qwen3Config configOf(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Qwen3Config.from(gguf);
        }
    }

    /** A tiny Qwen3 file: the metadata every test needs, then the test's own keys, then the embeddings. */
    private Path writeModel(Consumer<GgufWriter> extraKeys, boolean separateOutputHead) throws IOException {
        return writeModel(extraKeys, separateOutputHead, 2);
    }

    private Path writeModel(Consumer<GgufWriter> extraKeys, boolean separateOutputHead, int kvHeads)
            throws IOException {
        Path file = dir.resolve("tiny-" + System.nanoTime() + ".gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            writer.putString("general.architecture", "qwen3")
                    .putUInt32("qwen3.block_count", 2)
                    .putUInt32("qwen3.context_length", 40960)
                    .putUInt32("qwen3.embedding_length", HIDDEN)
                    .putUInt32("qwen3.feed_forward_length", 128)
                    .putUInt32("qwen3.attention.head_count", 4)
                    .putFloat32("qwen3.rope.freq_base", 1_000_000f)
                    .putFloat32("qwen3.attention.layer_norm_rms_epsilon", 1e-6f)
                    .putUInt32("qwen3.attention.head_count_kv", kvHeads);
            extraKeys.accept(writer);
            writer.addTensor("token_embd.weight", GgmlType.F32, HIDDEN, VOCAB);
            if (separateOutputHead) {
                writer.addTensor("output.weight", GgmlType.F32, HIDDEN, VOCAB);
            }
            writer.writeTensor("token_embd.weight", new byte[HIDDEN * VOCAB * 4]);
            if (separateOutputHead) {
                writer.writeTensor("output.weight", new byte[HIDDEN * VOCAB * 4]);
            }
        }
        return file;
    }
}
