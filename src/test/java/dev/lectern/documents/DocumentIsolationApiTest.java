package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import reactor.netty.resources.ConnectionProvider;

/**
 * The documents API with extraction in child processes (the default) under hostile conditions: a child
 * that runs out of its small heap, a parser that never returns, and a 50 MB upload, each through HTTP
 * against the real server. The app must stay healthy and its own heap must not hold an upload. Its own
 * context and data directory (see {@link DocumentApiTest} for why), with a 48 MB extraction heap, a
 * 10 s time limit and a 64 MB upload limit.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DocumentIsolationApiTest {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "isolation-admin-password";
    private static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();
    private static final int MB = 1 << 20;

    @LocalServerPort
    int port;

    @Autowired
    DocumentProcessor processor;

    @DynamicPropertySource
    static void isolationProperties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.documents.isolation", () -> "process");
        registry.add("lectern.documents.extraction-heap", () -> "48MB");
        // Long enough for the 48 MB child to exhaust its heap on a loaded machine, short for a hang.
        registry.add("lectern.documents.extraction-timeout", () -> "10s");
        // Far above the test texts, so the heap, not the character limit, is what stops the big one.
        registry.add("lectern.documents.max-characters", () -> "100000000");
        registry.add("lectern.documents.max-upload", () -> "64MB");
        registry.add("lectern.documents.extraction-threads", () -> "3");
    }

    private WebTestClient client;

    @BeforeEach
    void client() {
        // A connection per request, as in DocumentApiTest: no pooled connection the server may have closed.
        client = WebTestClient.bindToServer(new ReactorClientHttpConnector(reactor.netty.http.client.HttpClient.create(ConnectionProvider.newConnection())))
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(120)).build();
    }

    /**
     * lectern.documents.prestart is on by default: once the app is ready an extraction process starts (or
     * has started) without waiting for an upload. Only the pre-start counts here, whatever ran before.
     */
    @Test
    void anExtractionProcessIsStartedAtStartUpWithoutWaitingForAnUpload() throws Exception {
        IsolatedTextExtractor extractor = (IsolatedTextExtractor) processor.extractor();
        IsolatedTextExtractorTest.awaitPrestarted(extractor);
    }

    /** 40 million characters cannot fit in a 48 MB heap: the child dies of it, the server carries on. */
    @Test
    void aDocumentThatExhaustsTheExtractionHeapFailsSayingSoAndTheServerStaysUp() throws Exception {
        Path text = DATA_DIR.resolve("forty-million-characters.txt");
        try (OutputStream out = Files.newOutputStream(text)) {
            byte[] line = "A line of plain text that extraction must keep whole in memory.\n".getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written < 40_000_000; written += line.length) {
                out.write(line);
            }
        }
        DocumentResponse uploaded = uploadFile("minutes.txt", text);

        DocumentResponse done = awaitFinal(uploaded.id().toString(), Duration.ofSeconds(120));
        assertThat(done.status()).isEqualTo(DocumentStatus.FAILED);
        assertThat(done.message()).contains("The parser ran out of memory on this file (text/plain)", "48 MB",
                "lectern.documents.extraction-heap", "Lectern itself was not affected");
        assertThat(done.mediaType()).isEqualTo("text/plain");
        assertServerAnswers();

        DocumentResponse next = upload("after.pdf", Fixtures.pdf(2));
        assertThat(awaitFinal(next.id().toString(), Duration.ofSeconds(60)).status()).isEqualTo(DocumentStatus.EXTRACTED);
    }

    @Test
    void aParserThatNeverReturnsIsKilledAndTheEventsStreamEndsWithTimedOut() {
        DocumentResponse uploaded = upload("stuck.bin", "LECTERN-TEST-HANG forever".getBytes(StandardCharsets.US_ASCII));

        List<DocumentEvent> events = client.get().uri("/api/documents/" + uploaded.id() + "/events")
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange().expectStatus().isOk()
                .returnResult(DocumentEvent.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(120));

        assertThat(events).map(DocumentEvent::status).contains(DocumentStatus.EXTRACTING).isSorted();
        DocumentEvent last = events.getLast();
        assertThat(last.status()).isEqualTo(DocumentStatus.FAILED);
        assertThat(last.message()).contains("Extraction timed out after 10 s", "lectern.documents.extraction-timeout");
        assertServerAnswers();
    }

    /**
     * 50 MB written to disk, then sent by the JDK's HTTP client, which reads the file as the connection
     * takes it (the test shares the server's JVM, so the client must not hold a copy either). When 40 MB
     * have been sent, a collection shows what the heap still holds: had the server buffered the upload,
     * that would be 40 MB more than before.
     */
    @Test
    void aFiftyMegabyteUploadStreamsToDiskWithoutHoldingItInTheHeap() throws Exception {
        Path file = DATA_DIR.resolve("fifty-megabytes.txt");
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int n = 0; n < 50 * 16; n++) {
                byte[] chunk = chunkOfText(n, MB / 16);
                sha256.update(chunk);
                out.write(chunk);
            }
        }
        String expectedSha256 = HexFormat.of().formatHex(sha256.digest());
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = usedHeapAfterCollection(memory);
        AtomicLong heldAt40Mb = new AtomicLong(Long.MAX_VALUE);

        HttpResponse<String> response = postMultipart("fifty.txt", file, 40L * MB,
                () -> heldAt40Mb.set(usedHeapAfterCollection(memory) - before));
        long heldAfter = usedHeapAfterCollection(memory) - before;

        assertThat(response.statusCode()).as(response.body()).isEqualTo(HttpStatus.CREATED.value());
        assertThat(response.body()).contains("\"sha256\":\"" + expectedSha256 + "\"", "\"sizeBytes\":" + 50L * MB);
        Path stored = DATA_DIR.resolve("documents").resolve(expectedSha256);
        assertThat(Files.size(stored)).isEqualTo(50L * MB);
        assertThat(sha256Of(stored)).isEqualTo(expectedSha256);
        System.out.printf("50 MB upload: heap growth with 40 MB sent %.1f MB, after the upload %.1f MB%n",
                heldAt40Mb.get() / (double) MB, heldAfter / (double) MB);
        assertThat(heldAt40Mb.get()).as("heap growth with 40 MB sent").isLessThan(20L * MB);
        assertThat(heldAfter).as("heap growth after the upload").isLessThan(20L * MB);
    }

    /** A multipart POST whose file part is read from disk while it is sent; {@code at} runs once {@code mark} bytes are out. */
    private HttpResponse<String> postMultipart(String filename, Path file, long mark, Runnable at) throws Exception {
        String boundary = "lectern-" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: text/plain\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        HttpRequest.BodyPublisher content = HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new FilterInputStream(Files.newInputStream(file)) {
                    private long sent;

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int read = super.read(buffer, offset, length);
                        if (sent < mark && sent + Math.max(read, 0) >= mark) {
                            at.run();
                        }
                        sent += Math.max(read, 0);
                        return read;
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String credentials = Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/documents"))
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head), content,
                        HttpRequest.BodyPublishers.ofByteArray(tail)))
                .timeout(Duration.ofSeconds(120))
                .build();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Text that differs from chunk to chunk, so a wrong order or a lost chunk changes the hash. */
    private static byte[] chunkOfText(int n, int size) {
        byte[] line = ("chunk " + n + " of the fifty megabyte upload, streamed and hashed as it goes.\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = line[i % line.length];
        }
        return bytes;
    }

    private static long usedHeapAfterCollection(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static String sha256Of(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private void assertServerAnswers() {
        client.get().uri("/api/status").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk();
        client.get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
    }

    private DocumentResponse upload(String filename, byte[] bytes) {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("file", new org.springframework.core.io.ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return filename;
            }
        }).contentType(MediaType.APPLICATION_OCTET_STREAM);
        return send(body);
    }

    private DocumentResponse uploadFile(String filename, Path file) throws IOException {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("file", new FileSystemResource(file)).filename(filename).contentType(MediaType.APPLICATION_OCTET_STREAM);
        return send(body);
    }

    private DocumentResponse send(MultipartBodyBuilder body) {
        return client.post().uri("/api/documents").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .body(BodyInserters.fromMultipartData(body.build())).exchange()
                .expectStatus().isEqualTo(HttpStatus.CREATED)
                .expectBody(DocumentResponse.class).returnResult().getResponseBody();
    }

    private DocumentResponse awaitFinal(String id, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            DocumentResponse now = client.get().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                    .exchange().expectStatus().isOk()
                    .expectBody(DocumentResponse.class).returnResult().getResponseBody();
            if (now.status().isFinal() || System.nanoTime() > deadline) {
                return now;
            }
            Thread.sleep(200);
        }
    }
}
