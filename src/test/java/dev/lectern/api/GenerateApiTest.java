package dev.lectern.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/generate} in the running app, with a generated tiny model loaded at start-up: the
 * stream's events in order, many users at once, a client that disappears mid-answer, and the errors a
 * script can hit. Its own data directory and embedded PostgreSQL, as the model makes a second context.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GenerateApiTest {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "generate-admin-password";
    private static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS = new ParameterizedTypeReference<>() {
    };

    @LocalServerPort
    int port;

    private WebTestClient client;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.model.path", () -> tinyModel().toString());
        registry.add("lectern.model.context-length", () -> "4096");
        registry.add("lectern.cache.ram-bytes", () -> "64MB");
        registry.add("lectern.engine.max-running", () -> "8");
        // Twelve answers at once for one user: above the default quota of concurrent answers.
        registry.add("lectern.quotas.max-concurrent-requests", () -> "16");
        registry.add("lectern.documents.prestart", () -> "false");
    }

    private static Path tinyModel() {
        try {
            Path file = DATA_DIR.resolve("models").resolve("tiny-q8_0.gguf");
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                TestModelGenerator.write(file, TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 5).withOutputStd(1f),
                        Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), progress -> { });
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void waitForTheModel() throws InterruptedException {
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(120)).build();
        for (int attempt = 0; attempt < 600; attempt++) {
            if ("READY".equals(engineStatus().path("state").asString())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the model did not load: " + engineStatus());
    }

    @Test
    void anAnswerStreamsAsAcceptedStartedProgressTokensAndDoneWithItsStatistics() {
        List<ServerSentEvent<String>> events = generate(Map.of("prompt", "What does the manual say about torque?",
                "max_tokens", 12, "temperature", 0));

        List<String> names = events.stream().map(ServerSentEvent::event).toList();
        assertThat(names.getFirst()).isEqualTo("accepted");
        assertThat(names.get(1)).isEqualTo("started");
        assertThat(names).contains("progress").endsWith("done");
        assertThat(names.indexOf("token")).isGreaterThan(names.lastIndexOf("progress"));
        JsonNode accepted = json(events.getFirst());
        assertThat(accepted.get("requestId").asLong()).isPositive();
        assertThat(accepted.get("queuePosition").asInt()).isZero();
        JsonNode lastProgress = json(events.get(names.lastIndexOf("progress")));
        assertThat(lastProgress.get("done").asInt()).isEqualTo(lastProgress.get("total").asInt());

        JsonNode done = json(events.getLast());
        assertThat(done.get("finishReason").asString()).isIn("stop", "length");
        JsonNode stats = done.get("stats");
        assertThat(stats.get("promptTokens").asInt()).isEqualTo(lastProgress.get("total").asInt());
        assertThat(stats.get("cachedTokens").asInt()).isZero();
        long tokenEvents = events.stream().filter(e -> "token".equals(e.event()) && json(e).get("tokenId").asInt() >= 0)
                .count();
        assertThat(stats.get("completionTokens").asInt()).isEqualTo((int) tokenEvents).isBetween(1, 12);
        assertThat(stats.get("timeToFirstTokenMs").asLong()).isNotNegative();
        assertThat(stats.has("decodeTokensPerSecond")).isTrue();
    }

    @Test
    void greedyAnswersToTheSamePromptAreTheSameAndAtMostMaxTokensLong() {
        Map<String, Object> body = Map.of("prompt", "Name three metals.", "max_tokens", 20, "temperature", 0);
        String first = text(generate(body));
        assertThat(text(generate(body))).isEqualTo(first);
        String raw = text(generate(Map.of("prompt", "Once upon a time", "max_tokens", 5, "temperature", 0, "raw", true)));
        assertThat(raw).isNotNull();
    }

    @Test
    void twelveUsersAtOnceAllGetTheirWholeAnswer() {
        List<Flux<ServerSentEvent<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            streams.add(client.post().uri("/api/generate").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("prompt", "Question number " + i + " about the report", "max_tokens", 16,
                            "temperature", 0))
                    .exchange().expectStatus().isOk().returnResult(EVENTS).getResponseBody());
        }
        List<List<ServerSentEvent<String>>> results = Flux.merge(streams.stream().map(Flux::collectList).toList())
                .collectList().block(Duration.ofMinutes(2));
        assertThat(results).hasSize(12).allSatisfy(events -> assertThat(events.getLast().event()).isEqualTo("done"));
        JsonNode engine = engineStatus();
        assertThat(engine.at("/scheduler/running").asInt()).isZero();
        assertThat(engine.at("/kvPool/usedBlocks").asInt()).isZero();
    }

    @Test
    void aClientThatDisappearsMidAnswerCancelsItAndItsKvMemoryIsGivenBack() throws Exception {
        long generatedBefore = engineStatus().at("/scheduler/generatedTokens").asLong();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/generate"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Write a very long essay.\","
                        + "\"max_tokens\":4000,\"temperature\":0}"))
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream body = response.body()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            int tokens = 0;
            for (String line = reader.readLine(); line != null && tokens < 5; line = reader.readLine()) {
                if (line.equals("event:token")) {
                    tokens++;
                }
            }
            assertThat(tokens).isEqualTo(5);
        }
        http.close();
        JsonNode engine = engineStatus();
        for (int attempt = 0; attempt < 100 && engine.at("/scheduler/running").asInt() > 0; attempt++) {
            Thread.sleep(50);
            engine = engineStatus();
        }
        assertThat(engine.at("/scheduler/running").asInt()).as("the request ended when its client left").isZero();
        assertThat(engine.at("/kvPool/usedBlocks").asInt()).isZero();
        assertThat(engine.at("/scheduler/generatedTokens").asLong() - generatedBefore)
                .as("it stopped long before its 4000 tokens").isLessThan(3000);
    }

    @Test
    void refusalsAreJsonWithAStatusAndACode() {
        client.post().uri("/api/generate").headers(h -> h.setBasicAuth(ADMIN, "wrong"))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("prompt", "hi"))
                .exchange().expectStatus().isUnauthorized();
        // Without credentials the request could only ride a browser session, and it carries no CSRF token.
        client.post().uri("/api/generate").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("prompt", "hi"))
                .exchange().expectStatus().isForbidden();
        post(Map.of("prompt", "")).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("BAD_REQUEST").jsonPath("$.message").isEqualTo("Send a non-empty \"prompt\".");
        post(Map.of("prompt", "hi", "temperature", -1)).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("BAD_REQUEST");
        client.post().uri("/api/generate").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{not json").exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("BAD_REQUEST");
        String tooLong = IntStream.range(0, 5000).mapToObj(i -> "word").reduce((a, b) -> a + " " + b).orElseThrow();
        post(Map.of("prompt", tooLong)).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("PROMPT_TOO_LONG")
                .jsonPath("$.message").value(String.class, message -> assertThat(message).contains("context holds 4096"));
    }

    @Test
    void theStatusReportsTheLoadedEngine() {
        JsonNode engine = engineStatus();
        assertThat(engine.get("backend").asString()).startsWith("cpu-");
        assertThat(engine.get("contextLength").asInt()).isEqualTo(4096);
        assertThat(engine.at("/kvBudget/bytes").asLong()).isEqualTo(64L << 20);
        assertThat(engine.at("/kvBudget/explanation").asString()).contains("lectern.cache.ram-bytes");
        assertThat(engine.at("/shape/layers").asInt()).isEqualTo(2);
        assertThat(engine.at("/shape/tensorTypes").asString()).contains("Q8_0");
        assertThat(engine.get("kernels").asString()).isNotBlank();
    }

    private WebTestClient.ResponseSpec post(Object body) {
        return client.post().uri("/api/generate").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private List<ServerSentEvent<String>> generate(Object body) {
        return post(body).expectStatus().isOk().returnResult(EVENTS).getResponseBody().collectList()
                .block(Duration.ofMinutes(1));
    }

    private static String text(List<ServerSentEvent<String>> events) {
        StringBuilder text = new StringBuilder();
        for (ServerSentEvent<String> event : events) {
            if ("token".equals(event.event())) {
                text.append(json(event).get("text").asString());
            }
        }
        return text.toString();
    }

    private static JsonNode json(ServerSentEvent<String> event) {
        return JSON.readTree(event.data());
    }

    private JsonNode engineStatus() {
        byte[] body = client.get().uri("/api/status").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body).get("engine");
    }
}
