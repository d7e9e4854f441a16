package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A document too long for the context stays stored; its message says to use a longer context. After a restart
 * with one, it is counted again and encoded without being uploaded again.
 */
class ContextGrowthRestartTest {

    private static final String ADMIN_PASSWORD = "context-growth-admin";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aDocumentTooLongForTheContextIsEncodedAfterARestartWithALongerOne() throws Exception {
        Path dataDir = LecternIntegrationTest.freshDataDirectory();
        byte[] manual = IntStream.rangeClosed(1, 90)
                .mapToObj(i -> "The pump " + i + " delivers " + (i * 13 % 90 + 10) + " litres a minute at " + (i % 9 + 2)
                        + " bar.")
                .collect(Collectors.joining("\n", "Pump manual\n\n", "\n")).getBytes(StandardCharsets.UTF_8);
        String id;
        try (ConfigurableApplicationContext app = start(dataDir, 1024)) {
            WebTestClient client = client(app);
            id = upload(client, manual);
            JsonNode tooLong = awaitStatus(client, id, "too_long");
            assertThat(tooLong.get("message").asString()).contains("use a longer context");
        }
        try (ConfigurableApplicationContext app = start(dataDir, 4096)) {
            JsonNode ready = awaitStatus(client(app), id, "ready");
            assertThat(ready.get("tokenCount").asInt()).isGreaterThan(1024);
            assertThat(ready.at("/prefix/tokens").asInt()).isGreaterThan(ready.get("tokenCount").asInt());
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir, int contextLength) {
        return new SpringApplicationBuilder(LecternApplication.class).run("--server.port=0",
                "--lectern.data-dir=" + dataDir,
                "--lectern.db.url=",
                "--lectern.security.admin-password=" + ADMIN_PASSWORD,
                "--lectern.model.path=" + TinyModel.file(),
                "--lectern.model.context-length=" + contextLength,
                "--lectern.chat.reserved-answer-tokens=128",
                "--lectern.cache.ram-bytes=32MB",
                "--lectern.documents.prestart=false");
    }

    private static WebTestClient client(ConfigurableApplicationContext app) {
        String port = app.getEnvironment().getProperty("local.server.port");
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(60))
                .defaultHeaders(h -> h.setBasicAuth("admin", ADMIN_PASSWORD)).build();
    }

    private static String upload(WebTestClient client, byte[] bytes) {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return "pump-manual.txt";
            }
        }).contentType(MediaType.TEXT_PLAIN);
        byte[] response = client.post().uri("/api/documents").body(BodyInserters.fromMultipartData(body.build()))
                .exchange().expectStatus().isEqualTo(HttpStatus.CREATED).expectBody().returnResult().getResponseBody();
        return JSON.readTree(response).get("id").asString();
    }

    private static JsonNode awaitStatus(WebTestClient client, String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            byte[] body = client.get().uri("/api/documents/" + id).exchange().expectStatus().isOk().expectBody()
                    .returnResult().getResponseBody();
            JsonNode document = JSON.readTree(body);
            if (document.get("status").asString().equals(status)) {
                return document;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the document never became " + status + ": " + document);
            }
            Thread.sleep(100);
        }
    }
}
