package dev.lectern.testmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufTensorInfo;
import dev.lectern.engine.model.Qwen3Config;
import dev.lectern.testing.NodeScript;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every weight type the generator writes loads in llama.cpp, and what llama.cpp's loader reports (each
 * tensor's type and shape, the hyperparameters) is what Lectern's reader sees in the same file.
 */
class LlamaCppLoadsGeneratedModelsTest {

    private static Qwen3Vocabulary vocabulary;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadVocabulary() throws IOException {
        vocabulary = Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny, f32", "tiny, f16", "tiny, bf16", "tiny, q8_0", "tiny, q4_0",
            "small, q4_k", "small, q5_k", "small, q6_k", "small, q4_k_m"})
    void llamaCppReadsTheSameTensorsAndShapes(String shape, String type) throws Exception {
        TestModelSpec spec = TestModelSpec.of(ShapePreset.fromCliName(shape), WeightFormat.fromCliName(type), 9);
        Path model = TestModelGenerator.write(dir.resolve(spec.describe() + ".gguf"), spec, vocabulary, p -> { }).file();
        Path out = dir.resolve("llama.json");
        NodeScript.run("llama-cpp-probe.mjs", Map.of("LLAMA_TRACE", "1"), 120, NodeScript.NODE_MODULES, model, "-", out);
        JsonNode llama = JsonMapper.builder().build().readTree(Files.readString(out));

        try (GgufFile gguf = GgufFile.open(model)) {
            List<String> ours = new ArrayList<>();
            for (GgufTensorInfo tensor : gguf.tensors()) {
                ours.add(tensor.name() + " " + tensor.type() + " " + Arrays.toString(tensor.shape()));
            }
            List<String> theirs = new ArrayList<>();
            for (JsonNode tensor : llama.get("tensors")) {
                long[] dims = new long[tensor.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = tensor.get("shape").get(i).asLong();
                }
                theirs.add(tensor.get("name").asString() + " " + tensor.get("type").asString() + " " + Arrays.toString(dims));
            }
            assertThat(theirs).as("tensors as llama.cpp's loader lists them").containsExactlyInAnyOrderElementsOf(ours);

            Qwen3Config config = Qwen3Config.from(gguf);
            JsonNode hparams = llama.get("hparams");
            assertThat(hparams.get("arch").asString()).isEqualTo("qwen3");
            assertThat(hparams.get("n_layer").asInt()).isEqualTo(config.blockCount());
            assertThat(hparams.get("n_embd").asInt()).isEqualTo(config.embeddingLength());
            assertThat(hparams.get("n_head").asInt()).isEqualTo(config.headCount());
            assertThat(hparams.get("n_head_kv").asInt()).isEqualTo(config.headCountKv());
            assertThat(hparams.get("n_embd_head_k").asInt()).isEqualTo(config.keyLength());
            assertThat(hparams.get("n_ff").asInt()).isEqualTo(config.feedForwardLength());
            assertThat(hparams.get("n_vocab").asInt()).isEqualTo(config.vocabularySize());
            assertThat(hparams.get("freq_base_train").asDouble()).isEqualTo(config.ropeFreqBase());
            assertThat(hparams.get("f_norm_rms_eps").asDouble()).isCloseTo(config.rmsNormEpsilon(),
                    org.assertj.core.data.Offset.offset(1e-9));
        }
    }
}
