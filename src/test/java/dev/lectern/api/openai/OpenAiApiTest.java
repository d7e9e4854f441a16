package dev.lectern.api.openai;

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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.chat.ChatClient;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;
import dev.lectern.testing.NodeScript;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible API in the running app, with a generated tiny model: the official {@code openai} npm
 * client against it (models, completions streamed and not, with and without a document, the cache on the
 * second question, wrong and revoked keys), the raw SSE, API keys (Bearer only, stored hashed, revoked at
 * once), errors in OpenAI's shape, a client that leaves mid-answer, the automatic prefix cache for a document
 * sent inline, and quotas (429 with Retry-After; QUOTA_EXCEEDED on the chat socket).
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiApiTest {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "openai-admin-password";
    private static final String CAROL = "carol";
    private static final String CAROL_PASSWORD = "carols-openai-password";
    private static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MODEL = "tiny-q8_0";

    /** Made once for the class: the admin's key and a document of theirs that is ready. */
    private static String adminKey;
    private static UUID manual;

    @LocalServerPort
    int port;

    @Autowired
    UserRepository users;

    @Autowired
    PasswordEncoder passwords;

    @Autowired
    JdbcClient jdbc;

    private WebTestClient client;
    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.model.path", () -> tinyModel().toString());
        registry.add("lectern.model.context-length", () -> "4096");
        registry.add("lectern.chat.reserved-answer-tokens", () -> "256");
        registry.add("lectern.cache.ram-bytes", () -> "64MB");
        registry.add("lectern.documents.prestart", () -> "false");
        registry.add("lectern.documents.isolation", () -> "in-process");
    }

    private static Path tinyModel() {
        try {
            Path file = DATA_DIR.resolve("models").resolve(MODEL + ".gguf");
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
    void setUp() throws InterruptedException {
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(120)).build();
        users.createIfAbsent(CAROL, passwords.encode(CAROL_PASSWORD), Role.MEMBER);
        for (int attempt = 0; attempt < 600 && !"READY".equals(engine().path("state").asString()); attempt++) {
            Thread.sleep(100);
        }
        assertThat(engine().path("state").asString()).as("the model loaded").isEqualTo("READY");
        if (adminKey == null) {
            adminKey = createKey(ADMIN, ADMIN_PASSWORD, "tests").get("key").asString();
            manual = upload(ADMIN, ADMIN_PASSWORD, "manual.txt", manualText("valve", 60));
            awaitReady(ADMIN, ADMIN_PASSWORD, manual);
        }
    }

    @Test
    void theOfficialOpenAiClientStreamsAndAnswersWithAndWithoutADocument() throws Exception {
        JsonNode revoked = createKey(ADMIN, ADMIN_PASSWORD, "to revoke");
        client.delete().uri("/api/keys/" + revoked.get("id").asLong()).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isNoContent();

        Path in = DATA_DIR.resolve("openai-in.json");
        Path out = DATA_DIR.resolve("openai-out.json");
        JSON.writeValue(in.toFile(), Map.of("baseURL", "http://localhost:" + port + "/v1", "apiKey", adminKey,
                "revokedKey", revoked.get("key").asString(), "documentId", manual.toString()));
        NodeScript.run("openai-client.mjs", Map.of(), 300, NodeScript.NODE_MODULES.toAbsolutePath(), in, out);
        JsonNode seen = JSON.readTree(out.toFile());
        System.out.println("openai npm client saw:\n" + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(seen));

        assertThat(seen.get("models").get(0).asString()).isEqualTo(MODEL);
        assertThat(seen.at("/plain/object").asString()).isEqualTo("chat.completion");
        assertThat(seen.at("/plain/finish").asString()).isIn("stop", "length");
        assertThat(seen.at("/plain/usage/completion_tokens").asInt()).isBetween(1, 8);
        assertThat(seen.at("/plain/usage/total_tokens").asInt()).isEqualTo(seen.at("/plain/usage/prompt_tokens").asInt()
                + seen.at("/plain/usage/completion_tokens").asInt());
        assertThat(seen.at("/stream/chunks").asInt()).isGreaterThan(2);
        assertThat(seen.at("/stream/finish").asString()).isIn("stop", "length");
        assertThat(seen.at("/stream/usage/completion_tokens").asInt()).isBetween(1, 10);

        int documentPrompt = seen.at("/documentFirst/usage/prompt_tokens").asInt();
        assertThat(documentPrompt).as("the document is in the prompt").isGreaterThan(500);
        assertThat(seen.at("/documentSecond/usage/prompt_tokens").asInt()).isGreaterThan(500);
        assertThat(seen.at("/documentSecond/usage/prompt_tokens_details/cached_tokens").asInt())
                .as("the second question starts from the document's cached prefix").isGreaterThan(0);
        assertThat(seen.at("/documentFirst/usage/prompt_tokens_details/cached_tokens").asInt())
                .as("the document was encoded at upload, so already the first question uses it").isGreaterThan(0);

        assertThat(seen.at("/badKey/status").asInt()).isEqualTo(401);
        assertThat(seen.at("/badKey/name").asString()).isEqualTo("AuthenticationError");
        assertThat(seen.at("/badKey/code").asString()).isEqualTo("invalid_api_key");
        assertThat(seen.at("/revokedKey/status").asInt()).isEqualTo(401);
        assertThat(seen.at("/nTwo/status").asInt()).isEqualTo(400);
        assertThat(seen.at("/nTwo/param").asString()).isEqualTo("n");
    }

    @Test
    void aStreamIsWellFormedServerSentEventsEndingWithDone() throws Exception {
        HttpResponse<String> response = post(adminKey, Map.of("model", MODEL, "stream", true,
                "stream_options", Map.of("include_usage", true), "max_tokens", 12, "temperature", 0,
                "messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Say hello.")))),
                "documents", List.of(manual.toString())));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        String body = response.body();
        assertThat(body).endsWith("\n\n");
        List<String> events = List.of(body.substring(0, body.length() - 2).split("\n\n", -1));
        for (String event : events) {
            assertThat(event).as("each event is one data line").startsWith("data: ").doesNotContain("\n");
        }
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(e -> JSON.readTree(e.substring("data: ".length()))).toList();
        String id = chunks.getFirst().get("id").asString();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asString()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asString()).isEqualTo(id);
            assertThat(chunk.get("model").asString()).isEqualTo(MODEL);
            assertThat(chunk.has("usage")).as("include_usage: every chunk has the field").isTrue();
        });
        assertThat(chunks.getFirst().at("/choices/0/delta/role").asString()).isEqualTo("assistant");
        JsonNode last = chunks.getLast();
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isPositive();
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").asString()).isIn("stop", "length");
        assertThat(finish.get("usage").isNull()).isTrue();
        long contentChunks = chunks.stream().filter(c -> c.at("/choices/0/delta").has("content")).count() - 1;
        assertThat(last.at("/usage/completion_tokens").asInt()).isBetween(1, 12);
        assertThat(contentChunks).isPositive();
    }

    @Test
    void onlyABearerKeyOpensTheApiAndItIsStoredHashedAndRevokedAtOnce() throws Exception {
        assertThat(get("/v1/models", null).statusCode()).isEqualTo(401);
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(uri("/v1/models")).header("Authorization",
                "Basic " + java.util.Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(
                        StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(basic.statusCode()).as("no password fallback on /v1").isEqualTo(401);
        assertThat(JSON.readTree(basic.body()).at("/error/code").asString()).isEqualTo("invalid_api_key");
        String session = signIn();
        HttpResponse<String> withSession = http.send(HttpRequest.newBuilder(uri("/v1/models")).header("Cookie", session)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withSession.statusCode()).as("no session fallback on /v1").isEqualTo(401);

        JsonNode created = createKey(CAROL, CAROL_PASSWORD, "carol's script");
        String key = created.get("key").asString();
        assertThat(key).startsWith("lk-").hasSize(46);
        HttpResponse<String> models = get("/v1/models", key);
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(models.body()).at("/data/0/id").asString()).isEqualTo(MODEL);
        assertThat(JSON.readTree(models.body()).get("object").asString()).isEqualTo("list");

        String stored = jdbc.sql("SELECT key_hash FROM api_keys WHERE id = ?").param(created.get("id").asLong())
                .query(String.class).single();
        assertThat(stored).isEqualTo(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(StandardCharsets.UTF_8)))).doesNotContain(key.substring(3));
        byte[] list = client.get().uri("/api/keys").headers(h -> h.setBasicAuth(CAROL, CAROL_PASSWORD)).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        String listed = new String(list, StandardCharsets.UTF_8);
        assertThat(listed).contains("carol's script", key.substring(0, 10)).doesNotContain(key);
        assertThat(JSON.readTree(list).get(0).get("lastUsedAt").isNull()).as("it was used").isFalse();

        // Another user cannot see or revoke it; its owner can, and it fails on the next request.
        client.delete().uri("/api/keys/" + created.get("id").asLong()).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isNotFound();
        assertThat(get("/v1/models", key).statusCode()).isEqualTo(200);
        client.delete().uri("/api/keys/" + created.get("id").asLong()).headers(h -> h.setBasicAuth(CAROL, CAROL_PASSWORD))
                .exchange().expectStatus().isNoContent();
        HttpResponse<String> revoked = get("/v1/models", key);
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
        JsonNode error = JSON.readTree(revoked.body()).get("error");
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.get("message").asString()).contains("Incorrect API key").doesNotContain(key);

        // Keys are made only by a signed-in user: not with a key, not without credentials.
        client.post().uri("/api/keys").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "x"))
                .exchange().expectStatus().isForbidden();
        client.get().uri("/api/keys").headers(h -> h.setBearerAuth(adminKey)).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void refusalsAreOpenAiErrorsWithTheRightStatus() throws Exception {
        assertError(post(adminKey, Map.of("model", "gpt-4o", "messages", List.of(Map.of("role", "user", "content", "hi")))),
                404, "model", "model_not_found");
        assertError(post(adminKey, Map.of("model", MODEL)), 400, "messages", "missing_required_parameter");
        assertError(post(adminKey, Map.of("model", MODEL, "n", 3, "messages", List.of(Map.of("role", "user",
                "content", "hi")))), 400, "n", "invalid_value");
        assertError(post(adminKey, Map.of("model", MODEL, "temperature", 5, "messages", List.of(Map.of("role", "user",
                "content", "hi")))), 400, "temperature", "invalid_value");
        assertError(post(adminKey, Map.of("model", MODEL, "messages", List.of(Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "hello")))), 400, "messages", "invalid_value");
        assertError(post(adminKey, Map.of("model", MODEL, "messages", List.of(Map.of("role", "tool", "content", "42")))),
                400, "messages[0].role", "unsupported_parameter");
        assertError(post(adminKey, Map.of("model", MODEL, "documents", List.of("not-an-id"), "messages",
                List.of(Map.of("role", "user", "content", "hi")))), 400, "documents", "invalid_value");
        HttpResponse<String> invalidJson = http.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(invalidJson, 400, null, "invalid_json");
        String longPrompt = IntStream.range(0, 5000).mapToObj(i -> "word").collect(Collectors.joining(" "));
        assertError(post(adminKey, Map.of("model", MODEL, "messages", List.of(Map.of("role", "user", "content",
                longPrompt)))), 400, "messages", "context_length_exceeded");

        // Someone else's document is as unknown as one that does not exist.
        String carolKey = createKey(CAROL, CAROL_PASSWORD, "errors").get("key").asString();
        assertError(post(carolKey, Map.of("model", MODEL, "documents", List.of(manual.toString()), "messages",
                List.of(Map.of("role", "user", "content", "hi")))), 404, "documents", "document_not_found");
    }

    @Test
    void aClientThatLeavesMidStreamCancelsItsRequestAndNothingLeaks() throws Exception {
        JsonNode before = engine();
        long generatedBefore = before.at("/scheduler/generatedTokens").asLong();
        // The document encoded at upload keeps its prefix's blocks pinned: those are not the request's.
        int pinnedBlocks = before.at("/kvPool/usedBlocks").asInt();
        HttpRequest request = completionRequest(adminKey, Map.of("model", MODEL, "stream", true, "max_tokens", 3000,
                "temperature", 0, "messages", List.of(Map.of("role", "user", "content", "Write a very long essay."))));
        HttpClient leaving = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = leaving.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream body = response.body()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            int chunks = 0;
            for (String line = reader.readLine(); line != null && chunks < 6; line = reader.readLine()) {
                if (line.startsWith("data: ")) {
                    chunks++;
                }
            }
            assertThat(chunks).isEqualTo(6);
        }
        leaving.close();
        JsonNode engine = engine();
        for (int attempt = 0; attempt < 200 && (engine.at("/scheduler/running").asInt() > 0
                || engine.at("/kvPool/usedBlocks").asInt() > pinnedBlocks); attempt++) {
            Thread.sleep(50);
            engine = engine();
        }
        assertThat(engine.at("/scheduler/running").asInt()).as("the request ended when its client left").isZero();
        assertThat(engine.at("/scheduler/queued").asInt()).isZero();
        assertThat(engine.at("/kvPool/usedBlocks").asInt()).as("its KV blocks were given back").isEqualTo(pinnedBlocks);
        assertThat(engine.at("/scheduler/generatedTokens").asLong() - generatedBefore)
                .as("it stopped long before its 3000 tokens").isLessThan(2000);
        JsonNode quota = quota(adminId());
        assertThat(quota.get("running").asInt()).as("its quota place was given back").isZero();
    }

    @Test
    void aDocumentSentInlineHitsTheAutomaticPrefixCacheFromTheSecondQuestionOn() throws Exception {
        // Open WebUI's full-context mode: the whole text in the system message, the question after it.
        String document = new String(manualText("gasket", 40), StandardCharsets.UTF_8);
        List<Integer> cached = new ArrayList<>();
        for (String question : List.of("Which gasket opens at 5 bar?", "Which gaskets are bronze?")) {
            HttpResponse<String> response = post(adminKey, Map.of("model", MODEL, "max_tokens", 4, "temperature", 0,
                    "messages", List.of(Map.of("role", "system", "content", "Answer from this document:\n\n" + document),
                            Map.of("role", "user", "content", question))));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode completion = JSON.readTree(response.body());
            assertThat(completion.at("/usage/prompt_tokens").asInt()).isGreaterThan(600);
            cached.add(completion.at("/usage/prompt_tokens_details/cached_tokens").asInt());
        }
        assertThat(cached.getFirst()).as("nothing of it was seen before").isZero();
        assertThat(cached.getLast()).as("the document's whole blocks are reused").isGreaterThan(512);
    }

    @Test
    void quotasRefuseWithRetryAfterOnTheApiAndQuotaExceededOnTheChat() throws Exception {
        long carol = users.findByUsername(CAROL).orElseThrow().id();
        String key = createKey(CAROL, CAROL_PASSWORD, "quota").get("key").asString();
        client.put().uri("/api/admin/users/" + carol + "/quota").headers(h -> h.setBasicAuth(CAROL, CAROL_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("maxConcurrentRequests", 100))
                .exchange().expectStatus().isForbidden();
        setQuota(carol, 1, null).get("maxConcurrentRequests").asInt();

        // One answer at a time: a second one while the first streams is refused.
        HttpClient first = HttpClient.newHttpClient();
        HttpResponse<InputStream> running = first.send(completionRequest(key, Map.of("model", MODEL, "stream", true,
                "max_tokens", 3000, "temperature", 0, "messages", List.of(Map.of("role", "user", "content", "Go on and on.")))),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = running.body()) {
            new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)).readLine();
            HttpResponse<String> refused = post(key, Map.of("model", MODEL, "messages", List.of(Map.of("role", "user",
                    "content", "me too"))));
            assertError(refused, 429, null, "rate_limit_exceeded");
            assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
            assertThat(JSON.readTree(refused.body()).at("/error/message").asString()).contains("1 answer being written");
        }
        first.close();
        for (int attempt = 0; attempt < 200 && quota(carol).get("running").asInt() > 0; attempt++) {
            Thread.sleep(50);
        }
        assertThat(post(key, Map.of("model", MODEL, "max_tokens", 3, "messages", List.of(Map.of("role", "user",
                "content", "now?")))).statusCode()).isEqualTo(200);

        // Tokens per day: once today's are used, the API says until when, the chat says why.
        for (int attempt = 0; attempt < 200 && quota(carol).get("usedToday").asLong() == 0; attempt++) {
            Thread.sleep(50);
        }
        assertThat(quota(carol).get("usedToday").asLong()).isPositive();
        setQuota(carol, null, 1L);
        HttpResponse<String> spent = post(key, Map.of("model", MODEL, "messages", List.of(Map.of("role", "user",
                "content", "more?"))));
        assertError(spent, 429, null, "rate_limit_exceeded");
        assertThat(JSON.readTree(spent.body()).at("/error/type").asString()).isEqualTo("tokens");
        assertThat(Long.parseLong(spent.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 86_400L);
        UUID carolsManual = upload(CAROL, CAROL_PASSWORD, "carol.txt", manualText("bolt", 5));
        awaitReady(CAROL, CAROL_PASSWORD, carolsManual);
        try (ChatClient chat = ChatClient.connect(port, ChatClient.basic(CAROL, CAROL_PASSWORD))) {
            chat.ask(null, List.of(carolsManual.toString()), "Anything?", 4);
            JsonNode error = chat.until(ChatClient.type("error"), Duration.ofSeconds(30)).getLast();
            assertThat(error.get("code").asString()).isEqualTo("QUOTA_EXCEEDED");
            assertThat(error.get("message").asString()).contains("tokens for today", "midnight UTC");
        }
        JsonNode back = setQuota(carol, null, null);
        assertThat(back.get("overridden").asBoolean()).isFalse();
        assertThat(post(key, Map.of("model", MODEL, "max_tokens", 2, "messages", List.of(Map.of("role", "user",
                "content", "and now?")))).statusCode()).isEqualTo(200);
        client.put().uri("/api/admin/users/999999/quota").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("tokensPerDay", 5)).exchange()
                .expectStatus().isNotFound();
    }

    private static void assertError(HttpResponse<String> response, int status, String param, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error).as(response.body()).isNotNull();
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("type").asString()).isNotBlank();
        assertThat(error.has("param")).isTrue();
        if (param == null) {
            assertThat(error.get("param").isNull()).as(response.body()).isTrue();
        } else {
            assertThat(error.get("param").asString()).isEqualTo(param);
        }
        assertThat(error.get("code").asString()).isEqualTo(code);
    }

    private HttpRequest completionRequest(String key, Map<String, Object> body) {
        return HttpRequest.newBuilder(uri("/v1/chat/completions")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    }

    private HttpResponse<String> post(String key, Map<String, Object> body) throws IOException, InterruptedException {
        return http.send(completionRequest(key, new LinkedHashMap<>(body)), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** Signs in through the login form; returns the session cookie. */
    private String signIn() throws IOException, InterruptedException {
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri("/login")).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
        assertThat(csrf.find()).as(page.body()).isTrue();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(uri("/login")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + ADMIN + "&password=" + ADMIN_PASSWORD + "&_csrf="
                        + csrf.group(1))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(302);
        String session = login.headers().firstValue("Set-Cookie").map(c -> c.split(";")[0]).orElse(cookie);
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(uri("/api/keys")).header("Cookie", session).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.statusCode()).as("the session works on /api").isEqualTo(200);
        return session;
    }

    private JsonNode createKey(String user, String password, String name) {
        byte[] body = client.post().uri("/api/keys").headers(h -> h.setBasicAuth(user, password))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", name)).exchange()
                .expectStatus().isCreated().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body);
    }

    private JsonNode setQuota(long userId, Integer concurrent, Long tokensPerDay) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("maxConcurrentRequests", concurrent);
        body.put("tokensPerDay", tokensPerDay);
        byte[] response = client.put().uri("/api/admin/users/" + userId + "/quota").headers(h -> h.setBasicAuth(ADMIN,
                        ADMIN_PASSWORD)).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(response);
    }

    private JsonNode quota(long userId) {
        byte[] body = client.get().uri("/api/admin/users/" + userId + "/quota").headers(h -> h.setBasicAuth(ADMIN,
                ADMIN_PASSWORD)).exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body);
    }

    private long adminId() {
        return users.findByUsername(ADMIN).orElseThrow().id();
    }

    private UUID upload(String user, String password, String filename, byte[] bytes) {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return filename;
            }
        }).contentType(MediaType.TEXT_PLAIN);
        byte[] response = client.post().uri("/api/documents").headers(h -> h.setBasicAuth(user, password))
                .body(BodyInserters.fromMultipartData(body.build())).exchange()
                .expectStatus().isEqualTo(HttpStatus.CREATED).expectBody().returnResult().getResponseBody();
        return UUID.fromString(JSON.readTree(response).get("id").asString());
    }

    private void awaitReady(String user, String password, UUID id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            byte[] body = client.get().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(user, password))
                    .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
            JsonNode document = JSON.readTree(body);
            if ("ready".equals(document.get("status").asString())) {
                return;
            }
            assertThat(System.nanoTime()).as("the document became ready: %s", document).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static byte[] manualText(String thing, int lines) {
        return IntStream.range(1, lines + 1)
                .mapToObj(i -> "The " + thing + " " + i + " opens at " + (i % 17 + 3) + " bar and has " + (i * 7 % 40 + 3)
                        + " teeth; it is made of " + (i % 2 == 0 ? "steel" : "bronze") + ".")
                .collect(Collectors.joining("\n", "Manual of the " + thing + "s\n\n", "\n"))
                .getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode engine() {
        byte[] body = client.get().uri("/api/status").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body).get("engine");
    }
}
