package dev.lectern.chat;

import static dev.lectern.chat.ChatClient.type;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;

/**
 * The engine's refusals as the chat shows them, in an app with one place to answer, one place to wait, and
 * a KV budget of 256 KB (1,024 positions of the tiny model): a third question at once gets
 * {@code QUEUE_FULL}, a prompt larger than the KV budget {@code KV_MEMORY_FULL}; neither stores anything,
 * and the socket goes on.
 */
class ChatEngineLimitsTest extends ChatAppTest {

    /** A context of its own, so a database of its own. */
    private static final java.nio.file.Path OWN_DATA = dev.lectern.LecternIntegrationTest.freshDataDirectory();

    @DynamicPropertySource
    static void limits(DynamicPropertyRegistry registry) {
        chatApp(registry, OWN_DATA);
        registry.add("lectern.engine.max-running", () -> "1");
        registry.add("lectern.engine.max-queued", () -> "1");
        registry.add("lectern.cache.ram-bytes", () -> "256KB");
    }

    @Test
    void aFullQueueAndAFullKvCacheAreRefusedWithTheirReasons() throws Exception {
        String manual = upload("pump-manual.pdf", TestDocuments.manual("pump")).get("id").asString();
        int before = jdbc.sql("SELECT count(*) FROM messages").query(Integer.class).single();
        try (ChatClient first = connect(); ChatClient second = connect(); ChatClient third = connect()) {
            // The prompt is about 200 tokens: with 780 more the answer stays within the 1,024 positions.
            first.ask(null, List.of(manual), "Write a long essay about the pump.", 780);
            JsonNode running = first.until(type("token"), Duration.ofMinutes(1)).getFirst();
            second.ask(null, List.of(manual), "And a second question?", 8);
            JsonNode waiting = second.next(Duration.ofMinutes(1));
            assertThat(waiting.get("type").asString()).isEqualTo("accepted");
            third.ask(null, List.of(manual), "And a third one?", 8);
            JsonNode busy = third.next(Duration.ofMinutes(1));
            assertThat(busy.get("code").asString()).isEqualTo("QUEUE_FULL");
            assertThat(busy.get("message").asString()).isNotBlank();
            first.send(Map.of("type", "cancel", "requestId", running.get("requestId").asString()));
            second.send(Map.of("type", "cancel", "requestId", waiting.get("requestId").asString()));
            first.until(m -> type("done").test(m) || type("error").test(m), Duration.ofMinutes(1));
            second.until(m -> type("done").test(m) || type("error").test(m), Duration.ofMinutes(1));
        }
        int afterQueue = jdbc.sql("SELECT count(*) FROM messages").query(Integer.class).single();
        assertThat(afterQueue).as("the first two exchanges were stored, not the refused third").isEqualTo(before + 4);

        String log = upload("engine-log.txt", "Entry: the pump ran normally today. ".repeat(200)
                .getBytes(StandardCharsets.UTF_8)).get("id").asString();
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(log), "Summarize the log.", 64);
            JsonNode full = chat.next(Duration.ofMinutes(1));
            assertThat(full.get("code").asString()).isEqualTo("KV_MEMORY_FULL");
            assertThat(full.get("message").asString()).contains("lectern.cache.ram-bytes");
            chat.ask(null, List.of(manual), "A short one?", 4);
            assertThat(chat.until(type("done"), Duration.ofMinutes(1)).getFirst().get("type").asString())
                    .isEqualTo("accepted");
        }
        JsonNode engine = engineIdle();
        assertThat(blocksBeyondPins(engine)).as("only the ready documents' pinned prefixes hold blocks").isZero();
    }
}
