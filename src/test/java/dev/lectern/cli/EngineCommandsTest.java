package dev.lectern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.lectern.testmodel.Qwen3Vocabulary;

/** The engine's commands as a user runs them: make a model, inspect it, tokenize with it, and the errors. */
@ExtendWith(OutputCaptureExtension.class)
class EngineCommandsTest {

    @TempDir
    Path dir;

    @Test
    void makeInspectAndTokenizeATestModel(CapturedOutput output) {
        Path model = dir.resolve("tiny.gguf");
        assertThat(LecternCommand.execute("make-test-model", "--shape", "tiny", "--type", "q4_0", "--seed", "3",
                "-o", model.toString(), "--tokenizer-dir", Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY.toString())).isZero();
        assertThat(model).exists();
        assertThat(output.getErr()).contains("wrote " + model);

        assertThat(LecternCommand.execute("inspect", "--model", model.toString(), "--tensors")).isZero();
        assertThat(output.getOut())
                .contains("layers          2")
                .contains("4 query heads, 2 key/value heads, head size 16")
                .contains("151936 tokens, 151387 merges, pre-tokenizer qwen2")
                .contains("chat template   hybrid thinking")
                .contains("F32 x9, Q4_0 x16")
                .containsPattern("blk\\.1\\.ffn_down\\.weight\\s+Q4_0\\s+\\[128, 64\\]");

        assertThat(LecternCommand.execute("tokenize", "--model", model.toString(), "--text",
                "Hello, world!<|im_end|>")).isZero();
        assertThat(output.getOut()).contains("[9707,11,1879,0,151645]");
        assertThat(LecternCommand.execute("tokenize", "--model", model.toString(), "--no-special", "--text",
                "<|im_end|>")).isZero();
        assertThat(output.getOut()).doesNotContain("[151645]");
    }

    /** Not into the working folder (usually the repository root), where git would offer to commit it. */
    @Test
    void withoutAnOutputTheModelGoesUnderTargetModels(CapturedOutput output) {
        String home = System.getProperty("lectern.home");
        System.setProperty("lectern.home", dir.toString());
        try {
            assertThat(LecternCommand.execute("make-test-model", "--shape", "tiny", "--type", "q8_0", "--seed", "5",
                    "--tokenizer-dir", Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY.toAbsolutePath().toString())).isZero();
        } finally {
            if (home == null) {
                System.clearProperty("lectern.home");
            } else {
                System.setProperty("lectern.home", home);
            }
        }
        Path expected = dir.resolve("target/models/lectern-test-tiny-q8_0-seed5.gguf");
        assertThat(expected).isRegularFile();
        assertThat(output.getOut()).contains(expected.toAbsolutePath().toString());
    }

    @Test
    void failuresSayWhatWentWrongInOneLine(CapturedOutput output) {
        assertThat(LecternCommand.execute("inspect", "--model", dir.resolve("missing.gguf").toString())).isEqualTo(1);
        assertThat(output.getErr()).contains("lectern inspect: no such file: " + dir.resolve("missing.gguf"))
                .doesNotContain("\tat ");
        assertThat(LecternCommand.execute("make-test-model", "--shape", "enormous")).isEqualTo(1);
        assertThat(output.getErr()).contains("unknown shape 'enormous'; choose one of tiny, small, qwen3-0.6b, qwen3-4b");
        assertThat(LecternCommand.execute("tokenize", "--model", "x.gguf")).isEqualTo(2);
        assertThat(output.getErr()).contains("Missing required argument");
    }
}
