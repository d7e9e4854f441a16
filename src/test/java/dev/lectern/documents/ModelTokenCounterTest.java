package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import dev.lectern.config.LecternProperties;

class ModelTokenCounterTest {

    @Test
    void withoutAModelThereIsNoCountAndTheReasonNamesTheSetting() {
        ModelTokenCounter counter = new ModelTokenCounter(properties(null));
        assertThat(counter.count("Hello")).isEmpty();
        assertThat(counter.unavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("LECTERN_MODEL_PATH"));
    }

    @Test
    void anUnreadableModelFileIsReportedNotThrown() {
        ModelTokenCounter counter = new ModelTokenCounter(properties(Path.of("target/no-such-model.gguf")));
        assertThat(counter.count("Hello")).isEmpty();
        assertThat(counter.unavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("no-such-model.gguf"));
    }

    @Test
    void countsWithTheModelsTokenizerAndTreatsControlTokensInDocumentsAsText() {
        ModelTokenCounter counter = new ModelTokenCounter(properties(TinyModel.file()));
        assertThat(counter.unavailableReason()).isEmpty();
        assertThat(counter.count("Hello world").orElseThrow()).isEqualTo(2);
        // Parsed as a control token it would be 1; as untrusted text it is several ordinary tokens.
        assertThat(counter.count("<|im_start|>").orElseThrow()).isGreaterThan(1);
    }

    private static LecternProperties properties(Path model) {
        return new LecternProperties(Path.of("data"), new LecternProperties.Model(model, 4096),
                new LecternProperties.Engine(0, dev.lectern.engine.kv.KvDataType.F16, 16, 256, 256, 64, 2.5,
                        Duration.ofSeconds(60)), new LecternProperties.Cache(DataSize.ofGigabytes(1)),
                new LecternProperties.Documents(DataSize.ofMegabytes(1), Duration.ofSeconds(5), 100_000, 1,
                        LecternProperties.Documents.Isolation.IN_PROCESS, DataSize.ofMegabytes(256), false),
                new LecternProperties.Chat("Answer.", 2048), new LecternProperties.Database(null, null, null),
                new LecternProperties.Security(null));
    }
}
