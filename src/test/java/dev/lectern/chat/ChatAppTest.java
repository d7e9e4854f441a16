package dev.lectern.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternApplication;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole app with a generated tiny Qwen3 model (random weights, the real tokenizer: gibberish answers
 * through every code path), its own data directory and embedded PostgreSQL, and what the chat's tests do
 * with it: upload, connect a socket, read the database, wait for the engine to be idle. Answers a closed
 * page leaves behind are cancelled after 2 s. Most tests share one context ({@link ChatIntegrationTest}).
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ChatAppTest {

    protected static final String ADMIN = "admin";
    protected static final String ADMIN_PASSWORD = "chat-admin-password";
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * Large enough that an answer of most of it outlasts {@link #GRACE} and a test's stop: the tiny model
     * decodes thousands of tokens a second once the document's prefix is cached.
     */
    protected static final int CONTEXT = 16384;
    protected static final Duration GRACE = Duration.ofSeconds(2);

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    protected WebTestClient client;

    /** {@code sentence} repeated until it is longer than the context by itself (every sentence is 8+ tokens). */
    protected static String beyondContext(String sentence) {
        return sentence.repeat(CONTEXT / 8);
    }

    /**
     * The app's settings for the chat tests, with its data (database, documents, the model) in
     * {@code dataDir}. Each context calls it from its own {@code @DynamicPropertySource}: one inherited
     * method per context, since Spring applies a superclass's method after a subclass's, so a subclass
     * cannot override a key.
     */
    protected static void chatApp(DynamicPropertyRegistry registry, Path dataDir) {
        registry.add("lectern.data-dir", dataDir::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.model.path", () -> tinyModel(dataDir).toString());
        registry.add("lectern.model.context-length", () -> Integer.toString(CONTEXT));
        registry.add("lectern.cache.ram-bytes", () -> "64MB");
        registry.add("lectern.engine.max-running", () -> "8");
        // Sixteen sockets of one user ask at once (ChatWebSocketTest): above the default quota of 8 answers.
        registry.add("lectern.quotas.max-concurrent-requests", () -> "64");
        registry.add("lectern.documents.prestart", () -> "false");
        registry.add("lectern.documents.isolation", () -> "in-process");
        registry.add("lectern.chat.detached-answer-grace", () -> GRACE.toMillis() + "ms");
    }

    /** The model GenerateApiTest uses: a peaked output head, so answers rarely end early by chance. */
    public static Path tinyModel(Path dataDir) {
        try {
            Path file = dataDir.resolve("models").resolve("tiny-q8_0.gguf");
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
    void clientAndModel() throws InterruptedException {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(60)).build();
        for (int attempt = 0; attempt < 600; attempt++) {
            if ("READY".equals(engineStatus().path("state").asString())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the model did not load: " + engineStatus());
    }

    protected String baseUrl() {
        return "http://localhost:" + port;
    }

    protected ChatClient connect() {
        return ChatClient.connect(port, ChatClient.basic(ADMIN, ADMIN_PASSWORD));
    }

    /** KV blocks in use beyond those the ready documents' pinned prefixes hold: what requests left behind. */
    protected static int blocksBeyondPins(JsonNode engine) {
        long pinned = engine.at("/prefixCache/pinnedRamBytes").asLong() / engine.at("/kvPool/blockBytes").asLong();
        return engine.at("/kvPool/usedBlocks").asInt() - (int) pinned;
    }

    protected JsonNode engineStatus() {
        byte[] body = client.get().uri("/api/status").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body).get("engine");
    }

    /** Uploads a file over HTTP Basic and waits until its processing ends; returns the document. */
    protected JsonNode upload(String filename, byte[] content) throws InterruptedException {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("file", new ByteArrayResource(content)).filename(filename);
        byte[] body = client.post().uri("/api/documents").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectBody().returnResult().getResponseBody();
        String id = JSON.readTree(body).get("id").asString();
        for (int attempt = 0; attempt < 600; attempt++) {
            JsonNode document = document(id);
            String status = document.get("status").asString();
            // "extracted" with a model loaded means not encoded in advance, and its message says why (its prefix
            // outgrows the KV budget); a document that fits goes from counting straight to encoding.
            boolean settled = List.of("extracted", "ready", "too_long", "failed").contains(status);
            if (settled) {
                return document;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("document " + id + " did not finish processing: " + document(id));
    }

    protected JsonNode document(String id) {
        byte[] body = client.get().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body);
    }

    /** Waits until no request runs and every KV block but the pinned prefixes' is back in the pool. */
    protected JsonNode engineIdle() throws InterruptedException {
        JsonNode engine = engineStatus();
        for (int attempt = 0; attempt < 200 && (engine.at("/scheduler/running").asInt() > 0
                || engine.at("/scheduler/queued").asInt() > 0 || blocksBeyondPins(engine) > 0); attempt++) {
            Thread.sleep(50);
            engine = engineStatus();
        }
        return engine;
    }

    protected record StoredMessage(long id, String role, String content, int[] tokenIds, String status, String error,
                                   Integer promptTokens, Integer cachedTokens, Integer completionTokens) {
    }

    protected List<StoredMessage> storedMessages(UUID conversationId) {
        return jdbc.sql("""
                        SELECT id, role, content, token_ids, status, error, prompt_tokens, cached_tokens, completion_tokens
                        FROM messages WHERE conversation_id = ? ORDER BY id""")
                .param(conversationId)
                .query((row, n) -> {
                    java.sql.Array array = row.getArray("token_ids");
                    int[] ids = null;
                    if (array != null) {
                        Object[] values = (Object[]) array.getArray();
                        ids = new int[values.length];
                        for (int i = 0; i < values.length; i++) {
                            ids[i] = (Integer) values[i];
                        }
                    }
                    return new StoredMessage(row.getLong("id"), row.getString("role"), row.getString("content"), ids,
                            row.getString("status"), row.getString("error"), (Integer) row.getObject("prompt_tokens"),
                            (Integer) row.getObject("cached_tokens"), (Integer) row.getObject("completion_tokens"));
                })
                .list();
    }

    protected StoredMessage storedMessage(long id) {
        return jdbc.sql("SELECT conversation_id FROM messages WHERE id = ?").param(id).query(UUID.class).optional()
                .map(conversation -> storedMessages(conversation).stream().filter(m -> m.id() == id).findFirst()
                        .orElseThrow())
                .orElseThrow(() -> new AssertionError("no message " + id));
    }
}
