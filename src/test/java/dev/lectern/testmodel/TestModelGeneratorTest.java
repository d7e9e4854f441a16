package dev.lectern.testmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.chat.ChatTemplate;
import dev.lectern.engine.chat.ThinkingMode;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufTensorInfo;
import dev.lectern.engine.model.Qwen3Config;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;
import dev.lectern.engine.tokenizer.GgufTokenizers;
import dev.lectern.engine.tokenizer.TokenType;

class TestModelGeneratorTest {

    private static Qwen3Vocabulary vocabulary;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadVocabulary() throws IOException {
        vocabulary = Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY);
    }

    @Test
    void tinyModelHasTheRequestedShapeAndTheRealTokenizer() throws IOException {
        Path file = generate(TestModelSpec.of(ShapePreset.TINY, WeightFormat.F32, 1));
        try (GgufFile gguf = GgufFile.open(file)) {
            Qwen3Config config = Qwen3Config.from(gguf);
            assertThat(config.blockCount()).isEqualTo(2);
            assertThat(config.embeddingLength()).isEqualTo(64);
            assertThat(config.headCount()).isEqualTo(4);
            assertThat(config.headCountKv()).isEqualTo(2);
            assertThat(config.keyLength()).isEqualTo(16);
            assertThat(config.feedForwardLength()).isEqualTo(128);
            assertThat(config.vocabularySize()).isEqualTo(151_936);
            assertThat(config.tiedEmbeddings()).isFalse();
            assertThat(gguf.tensors()).hasSize(3 + 11 * 2 + 0);

            var tokenizer = GgufTokenizers.fromGguf(gguf);
            assertThat(tokenizer.encode("Hello, world!", false)).containsExactly(9707, 11, 1879, 0);
            assertThat(tokenizer.vocabulary().type(151_645)).isEqualTo(TokenType.CONTROL);
            assertThat(tokenizer.vocabulary().type(151_667)).as("<think>").isEqualTo(TokenType.USER_DEFINED);
            assertThat(tokenizer.vocabulary().type(151_935)).isEqualTo(TokenType.UNUSED);
            assertThat(gguf.metadata().requireLong("tokenizer.ggml.eos_token_id")).isEqualTo(151_645);
            assertThat(gguf.metadata().requireBoolean("tokenizer.ggml.add_bos_token")).isFalse();
            assertThat(ChatTemplate.fromJinja(gguf.metadata().requireString("tokenizer.chat_template")).thinkingMode())
                    .isEqualTo(ThinkingMode.HYBRID);
        }
    }

    @Test
    void realShapesTieTheOutputHeadToTheEmbedding() {
        var plan = TestModelGenerator.plan(TestModelSpec.of(ShapePreset.QWEN3_0_6B, WeightFormat.Q8_0, 1));
        assertThat(plan).extracting(PlannedTensor::name).doesNotContain("output.weight");
        assertThat(plan).hasSize(2 + 11 * 28);
        long parameters = plan.stream().mapToLong(t -> (long) t.rows() * t.columns()).sum();
        assertThat(parameters).as("Qwen3-0.6B's published size, embeddings included").isBetween(590_000_000L, 610_000_000L);
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedOthers() throws IOException {
        Path first = generate(TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 7), "a.gguf");
        Path again = generate(TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 7), "b.gguf");
        Path other = generate(TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 8), "c.gguf");
        assertThat(sha256(again)).isEqualTo(sha256(first));
        assertThat(sha256(other)).isNotEqualTo(sha256(first));
    }

    @Test
    void weightsHaveTheRequestedSpreadAndNormsSitNearOne() throws IOException {
        Path file = generate(TestModelSpec.of(ShapePreset.TINY, WeightFormat.F32, 3).withOutputStd(1f));
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(stats(gguf, "blk.0.ffn_up.weight")).satisfies(s -> {
                assertThat(s[0]).isBetween(-0.002, 0.002);
                assertThat(s[1]).isBetween(0.019, 0.021);
            });
            assertThat(stats(gguf, "output.weight")[1]).isBetween(0.98, 1.02);
            assertThat(stats(gguf, "blk.1.attn_norm.weight")[0]).isBetween(0.99, 1.01);
        }
    }

    /**
     * Parity models: a large embedding, small residual writers, a wide output head in F32, the rest as usual
     * (DESIGN.md, Test models); and the default spec keeps its old spreads, so existing files do not change.
     */
    @Test
    void parityModelsWriteSmallCorrectionsOntoALargeEmbeddingAndKeepTheHeadInF32() throws IOException {
        // The residual writers' spread keeps the feed-forward output ~0.3% of the embedding's on either shape.
        assertThat(TestModelSpec.parityResidualStd(ShapePreset.SMALL)).isEqualTo(0.002f);
        assertThat(TestModelSpec.parityResidualStd(ShapePreset.TINY)).isEqualTo(0.02f);
        TestModelSpec spec = TestModelSpec.forParity(ShapePreset.TINY, WeightFormat.Q8_0, 3).withResidualStd(0.005f);
        assertThat(spec.describe()).isEqualTo("lectern-test-tiny-q8_0-seed3-out1.0-emb1.0-res0.005-headf32");
        Path file = generate(spec);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.requireTensor("output.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(gguf.requireTensor("token_embd.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(gguf.requireTensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(stats(gguf, "output.weight")[1]).isBetween(0.98, 1.02);
            assertThat(stats(gguf, "token_embd.weight")[1]).isBetween(0.98, 1.02);
            assertThat(stats(gguf, "blk.1.attn_output.weight")[1]).isBetween(0.0048, 0.0052);
            assertThat(stats(gguf, "blk.1.ffn_down.weight")[1]).isBetween(0.0048, 0.0052);
            assertThat(stats(gguf, "blk.1.ffn_gate.weight")[1]).isBetween(0.019, 0.021);
        }
        TestModelSpec plain = TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 3);
        assertThat(plain.embeddingStd()).isEqualTo(plain.residualStd()).isEqualTo(TestModelSpec.DEFAULT_STD);
        assertThat(plain.outputType()).isNull();
        assertThat(plain.describe()).isEqualTo("lectern-test-tiny-q8_0-seed3");
    }

    @Test
    void everyFormatWritesMatricesTheEngineCanRead() throws IOException {
        for (WeightFormat format : WeightFormat.values()) {
            Path file = generate(TestModelSpec.of(ShapePreset.TINY, format, 5), format.cliName() + ".gguf");
            try (GgufFile gguf = GgufFile.open(file)) {
                assertThat(gguf.metadata().requireInt("general.file_type")).isEqualTo(format.llamaFileType());
                for (GgufTensorInfo info : gguf.tensors()) {
                    float[] row = new float[(int) info.rowLength()];
                    tensor(gguf, info).dequantizeRow((int) info.rowCount() - 1, row, 0);
                    for (float value : row) {
                        assertThat(value).as("%s %s", format, info.name()).isFinite();
                    }
                }
            }
        }
    }

    @Test
    void q4kmMixesQ6kIntoTheOutputHeadAndLlamaCppsChosenLayers() throws IOException {
        Path file = generate(TestModelSpec.of(ShapePreset.SMALL, WeightFormat.Q4_K_M, 11));
        try (GgufFile gguf = GgufFile.open(file)) {
            Map<String, GgmlType> types = gguf.tensors().stream()
                    .collect(Collectors.toMap(GgufTensorInfo::name, GgufTensorInfo::type));
            assertThat(types.get("output.weight")).isEqualTo(GgmlType.Q6_K);
            assertThat(types.get("token_embd.weight")).isEqualTo(GgmlType.Q4_K);
            // 4 layers: use_more_bits picks layer 3 (the last eighth) and layer 2 ((2 - 0) % 3 == 2).
            for (int layer = 0; layer < 4; layer++) {
                GgmlType expected = layer >= 2 ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertThat(types.get("blk." + layer + ".attn_v.weight")).as("layer %d attn_v", layer).isEqualTo(expected);
                assertThat(types.get("blk." + layer + ".ffn_down.weight")).as("layer %d ffn_down", layer).isEqualTo(expected);
                assertThat(types.get("blk." + layer + ".attn_q.weight")).isEqualTo(GgmlType.Q4_K);
                assertThat(types.get("blk." + layer + ".ffn_norm.weight")).isEqualTo(GgmlType.F32);
            }
        }
    }

    @Test
    void useMoreBitsFollowsLlamaCppFor28Layers() {
        // n/8 = 3: layers 0-2, 24-27, and 3 + 2, 3 + 5, ... (every third after the first eighth).
        assertThat(java.util.stream.IntStream.range(0, 28).filter(i -> WeightFormat.usesMoreBits(i, 28)).boxed())
                .containsExactly(0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27);
    }

    @Test
    void kQuantsFallBackToQ8_0WhereRowsAreShorterThanASuperBlock() throws IOException {
        TestModelSpec spec = TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q4_K, 2);
        TestModelGenerator.Result result = TestModelGenerator.write(dir.resolve("k.gguf"), spec, vocabulary, p -> { });
        assertThat(result.tensors()).filteredOn(t -> !t.isNorm())
                .extracting(PlannedTensor::type).containsOnly(GgmlType.Q8_0);
        assertThat(result.fallbackCount(spec.format(), spec.shape().layers())).isEqualTo(16);
    }

    @Test
    void unknownShapesAndTypesListTheChoices() {
        assertThatThrownBy(() -> ShapePreset.fromCliName("huge")).hasMessageContaining("tiny, small, qwen3-0.6b, qwen3-4b");
        assertThatThrownBy(() -> WeightFormat.fromCliName("q3_k")).hasMessageContaining("q4_k_m");
    }

    private Path generate(TestModelSpec spec) throws IOException {
        return generate(spec, spec.describe() + ".gguf");
    }

    private Path generate(TestModelSpec spec, String name) throws IOException {
        return TestModelGenerator.write(dir.resolve(name), spec, vocabulary, progress -> { }).file();
    }

    private static WeightTensor tensor(GgufFile gguf, GgufTensorInfo info) {
        return WeightTensors.wrap(info.type(), gguf.tensorData(info), info.rowCount(), (int) info.rowLength());
    }

    /** Mean and standard deviation of all values of a tensor. */
    private static double[] stats(GgufFile gguf, String name) {
        GgufTensorInfo info = gguf.requireTensor(name);
        WeightTensor tensor = tensor(gguf, info);
        float[] row = new float[tensor.columns()];
        double sum = 0;
        double squares = 0;
        long count = 0;
        for (int r = 0; r < tensor.rows(); r++) {
            tensor.dequantizeRow(r, row, 0);
            for (float v : row) {
                sum += v;
                squares += (double) v * v;
                count++;
            }
        }
        double mean = sum / count;
        return new double[] {mean, Math.sqrt(squares / count - mean * mean)};
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
