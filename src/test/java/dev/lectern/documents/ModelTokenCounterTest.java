package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import dev.lectern.config.LecternProperties;
import dev.lectern.inference.LocalInferenceService;

/** Counting with the engine's tokenizer and template, and what a counter says when there is no model. */
class ModelTokenCounterTest {

    @Test
    void withoutAModelThereIsNoCountAndTheReasonNamesTheSetting() {
        withCounter(null, counter -> {
            assertThat(counter.count("Hello")).isEmpty();
            assertThat(counter.countPrompt(List.of("Instructions.\n\n"))).isEmpty();
            assertThat(counter.unavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("LECTERN_MODEL_PATH"));
        });
    }

    @Test
    void anUnreadableModelFileIsReportedNotThrown() {
        withCounter(Path.of("target/no-such-model.gguf"), counter -> {
            assertThat(counter.count("Hello")).isEmpty();
            assertThat(counter.unavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("no-such-model.gguf"));
        });
    }

    @Test
    void countsWithTheEnginesTokenizerAndTemplateAndTreatsControlTokensInDocumentsAsText() {
        withCounter(TinyModel.file(), counter -> {
            // Asked while the model is still loading: the count waits for it.
            assertThat(counter.count("Hello world")).hasValue(2);
            assertThat(counter.unavailableReason()).isEmpty();
            // Parsed as a control token it would be 1; as untrusted text it is several ordinary tokens.
            assertThat(counter.count("<|im_start|>").orElseThrow()).isGreaterThan(1);
            // The template's own tokens count: <|im_start|>, "system", "\n", the text, <|im_end|>, "\n", an
            // empty user turn and the generation prompt with its empty think block.
            int text = counter.count("Answer.").orElseThrow();
            assertThat(counter.countPrompt(List.of("Answer.")).orElseThrow()).isGreaterThan(text + 10);
        });
    }

    private static void withCounter(Path model, java.util.function.Consumer<ModelTokenCounter> test) {
        LocalInferenceService engine = new LocalInferenceService(properties(model));
        engine.start();
        try {
            test.accept(new ModelTokenCounter(engine));
        } finally {
            engine.stop();
        }
    }

    private static LecternProperties properties(Path model) {
        return new LecternProperties(Path.of("data"), new LecternProperties.Model(model, 4096),
                new LecternProperties.Engine(1, dev.lectern.engine.kv.KvDataType.F16, 16, 256, 256, 64, 2.5,
                        Duration.ofSeconds(60)), new LecternProperties.Cache(DataSize.ofMegabytes(64), DataSize.ofMegabytes(256)),
                new LecternProperties.Documents(DataSize.ofMegabytes(1), Duration.ofSeconds(5), 100_000, 1,
                        LecternProperties.Documents.Isolation.IN_PROCESS, DataSize.ofMegabytes(256), false, LecternProperties.Documents.Ocr.OFF, "eng", Duration.ofSeconds(60), ""),
                new LecternProperties.Chat("Answer.", 2048), new LecternProperties.Database(null, null, null),
                new LecternProperties.Security(null));
    }
}
