package dev.lectern.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import dev.lectern.config.LecternProperties;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.kv.KvDataType;

/** The engine's states when the model file is missing or is not a model: reported, never a crash. */
class LocalInferenceServiceTest {

    @TempDir
    Path dir;

    @Test
    void aMissingModelFileFailsWithItsPathNamed() throws InterruptedException {
        Path missing = dir.resolve("no-such-model.gguf");
        EngineStatus status = startAndSettle(missing);
        assertThat(status.state()).isEqualTo(EngineState.FAILED);
        assertThat(status.message()).contains(missing.toString()).contains("does not exist");
    }

    @Test
    void aFileThatIsNotAModelFailsWithTheReasonAndAskingSaysSo() throws IOException, InterruptedException {
        Path text = Files.writeString(dir.resolve("notes.gguf"), "these are notes, not a model");
        LocalInferenceService service = new LocalInferenceService(properties(text));
        service.start();
        try {
            EngineStatus status = settle(service);
            assertThat(status.state()).isEqualTo(EngineState.FAILED);
            assertThat(status.message()).contains(text.toString()).contains("could not be loaded");
            assertThatThrownBy(() -> service.encodeChat(List.of(ChatMessage.user("hi")), false))
                    .isInstanceOf(EngineUnavailableException.class).hasMessageContaining("could not be loaded");
        } finally {
            service.stop();
        }
    }

    @Test
    void withoutAModelTheStatusSaysWhatToSet() {
        LocalInferenceService service = new LocalInferenceService(properties(null));
        service.start();
        assertThat(service.status().state()).isEqualTo(EngineState.NOT_CONFIGURED);
        assertThat(service.status().message()).contains("LECTERN_MODEL_PATH");
        service.stop();
        service.start();
        assertThat(service.status().state()).as("a restarted context is not configured either, not stopped")
                .isEqualTo(EngineState.NOT_CONFIGURED);
    }

    @Test
    void anAutomaticKvBudgetLeavesRoomForTheModelTheHeapAndAReserve() {
        long gb = 1L << 30;
        KvBudget budget = KvBudget.automatic(24 * gb, 3 * gb, 6 * gb);
        assertThat(budget.bytes()).isEqualTo(24 * gb - 3 * gb - 6 * gb - (24 * gb / 10));
        assertThat(budget.explanation()).contains("automatic").contains("lectern.cache.ram-bytes");
        assertThat(KvBudget.automatic(4 * gb, 3 * gb, gb).bytes()).as("a small machine still gets the minimum")
                .isEqualTo(KvBudget.MINIMUM_BYTES);
        assertThat(KvBudget.resolve(DataSize.ofMegabytes(512), gb).bytes()).isEqualTo(512L << 20);
    }

    private EngineStatus startAndSettle(Path model) throws InterruptedException {
        LocalInferenceService service = new LocalInferenceService(properties(model));
        service.start();
        try {
            return settle(service);
        } finally {
            service.stop();
        }
    }

    private static EngineStatus settle(LocalInferenceService service) throws InterruptedException {
        for (int i = 0; i < 200 && service.status().state() == EngineState.LOADING; i++) {
            Thread.sleep(50);
        }
        return service.status();
    }

    private static LecternProperties properties(Path model) {
        return new LecternProperties(Path.of("data"), new LecternProperties.Model(model, 4096),
                new LecternProperties.Engine(1, KvDataType.F16, 4, 16, 64, 16, 2.5, Duration.ofSeconds(5)),
                new LecternProperties.Cache(DataSize.ofMegabytes(64), DataSize.ofMegabytes(256)),
                new LecternProperties.Documents(DataSize.ofMegabytes(1), Duration.ofSeconds(5), 100_000, 1,
                        LecternProperties.Documents.Isolation.IN_PROCESS, DataSize.ofMegabytes(256), false, LecternProperties.Documents.Ocr.OFF, "eng", Duration.ofSeconds(60), ""),
                new LecternProperties.Chat("Answer.", 2048), new LecternProperties.Database(null, null, null),
                new LecternProperties.Security(null));
    }
}
