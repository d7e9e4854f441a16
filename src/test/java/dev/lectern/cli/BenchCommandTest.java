package dev.lectern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `lectern bench` on a tiny model: the tests asked for, in llama-bench's JSON vocabulary, and its errors. */
@ExtendWith(OutputCaptureExtension.class)
class BenchCommandTest {

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void writeTinyModel() throws IOException {
        model = TestModelGenerator.write(dir.resolve("tiny.gguf"), TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 1),
                Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), progress -> { }).file();
    }

    @Test
    void jsonModePrintsOneObjectPerTestAndNothingElse(CapturedOutput output) {
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "8,20", "--decode", "4",
                "--depth", "0,30", "--reps", "2", "--threads", "2", "--json")).isZero();

        List<String> lines = output.getOut().lines().toList();
        assertThat(lines).hasSize(4);
        List<JsonNode> results = lines.stream().map(line -> JsonMapper.builder().build().readTree(line)).toList();
        assertThat(results).extracting(r -> r.get("test").asString()).containsExactly("pp8", "pp20", "tg4", "tg4");
        assertThat(results.get(0).has("depth")).as("prefill lines carry no depth, as in the issue").isFalse();
        assertThat(results.get(2).get("depth").asInt()).isZero();
        assertThat(results.get(3).get("depth").asInt()).isEqualTo(30);
        for (JsonNode result : results) {
            double rate = result.get("tok_s").asDouble();
            assertThat(rate).as("%s", result).isPositive();
            assertThat(result.get("min").asDouble()).isLessThanOrEqualTo(rate);
            assertThat(result.get("max").asDouble()).isGreaterThanOrEqualTo(rate);
            assertThat(result.get("reps").asInt()).isEqualTo(2);
            assertThat(result.get("threads").asInt()).isEqualTo(2);
            assertThat(result.get("model").asString()).isEqualTo("tiny.gguf");
            assertThat(result.get("load_s").asDouble()).isPositive();
        }
        assertThat(output.getErr()).contains("pp20 warm-up").contains("tg4 @ d30 rep 2").contains("peak RSS");
    }

    /** llama-bench's -d for prefill: pp8 after 12 cached tokens; and a Q8_0 KV cache, named in every line. */
    @Test
    void prefillRunsAtADepthAndTheCacheCanBeQ8_0(CapturedOutput output) {
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "8", "--prefill-depth",
                "0,12", "--decode", "0", "--kv", "q8_0", "--reps", "1", "--threads", "2", "--json")).isZero();
        List<JsonNode> results = output.getOut().lines().map(line -> JsonMapper.builder().build().readTree(line)).toList();
        assertThat(results).extracting(r -> r.get("test").asString()).containsExactly("pp8", "pp8");
        assertThat(results.get(0).has("depth")).isFalse();
        assertThat(results.get(1).get("depth").asInt()).isEqualTo(12);
        assertThat(results).allSatisfy(r -> assertThat(r.get("kv").asString()).isEqualTo("q8_0"));
        assertThat(output.getErr()).contains("(Q8_0, 21 positions per sequence)");
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--kv", "q4_0")).isEqualTo(1);
        assertThat(output.getErr()).contains("--kv takes f16 or q8_0, not q4_0");
    }

    @Test
    void concurrentDecodeAndInterferenceLinesCarryTheirFigures(CapturedOutput output) {
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "0", "--decode", "6",
                "--concurrent", "1,3", "--interference", "40", "--reps", "1", "--threads", "2", "--json")).isZero();

        List<JsonNode> results = output.getOut().lines().map(line -> JsonMapper.builder().build().readTree(line)).toList();
        assertThat(results).extracting(r -> r.get("test").asString()).containsExactly("tg6", "tg6", "tg_gap");
        assertThat(results).extracting(r -> r.path("concurrent").asInt()).containsExactly(1, 3, 0);
        for (JsonNode decode : results.subList(0, 2)) {
            assertThat(decode.get("tok_s").asDouble()).isPositive();
            assertThat(decode.get("per_seq_tok_s").asDouble()).isPositive();
        }
        JsonNode gap = results.get(2);
        assertThat(gap.get("prefill").asInt()).isEqualTo(40);
        assertThat(gap.get("solo_gap_ms").asDouble()).isPositive();
        assertThat(gap.get("p95_gap_ms").asDouble()).isGreaterThanOrEqualTo(gap.get("p50_gap_ms").asDouble());
        assertThat(gap.get("gaps").asInt()).isPositive();
        assertThat(output.getErr()).contains("tg6 x3 rep 1");
    }

    @Test
    void tableModeShowsMedianMinAndMaxPerTest(CapturedOutput output) {
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "6", "--decode", "3",
                "--reps", "1", "--backend", "reference")).isZero();
        assertThat(output.getOut()).containsPattern("test\\s+depth\\s+conc\\s+tok/s\\s+min\\s+max\\s+reps")
                .containsPattern("pp6\\s+0\\s+1\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+1")
                .containsPattern("tg3\\s+0\\s+1\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+1")
                .contains("model load");
    }

    @Test
    void aContextTooSmallForTheLargestTestIsRefused(CapturedOutput output) {
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "16", "--decode", "8",
                "--depth", "20", "--context", "27")).isEqualTo(1);
        assertThat(output.getErr()).contains("--context 27 is too small: the largest test needs 29 positions");
        assertThat(LecternCommand.execute("bench", "--model", model.toString(), "--prefill", "0", "--decode", "0"))
                .isEqualTo(1);
        assertThat(output.getErr()).contains("nothing to measure");
    }
}
