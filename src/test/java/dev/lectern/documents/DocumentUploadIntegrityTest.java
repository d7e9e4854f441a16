package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import io.netty.util.ResourceLeakDetector;

/**
 * Uploads store exactly the bytes sent: many files of random content and odd sizes, several at once,
 * through clients that send with a length and chunked in uneven pieces, each compared by SHA-256 with
 * what the server stored and reported. Uploads over the limit and clients that hang up mid-body leave no
 * file behind. Netty's leak detector runs at its paranoid level throughout, and any leak it reports (a
 * buffer never released) fails the test; a buffer released twice fails its upload with a 500.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DocumentUploadIntegrityTest {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "integrity-admin-password";
    private static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();
    private static final int LIMIT = 4 << 20;
    /** Each round is another seed: other sizes and contents. A soak run: -Dlectern.test.upload-rounds=20. */
    private static final int ROUNDS = Integer.getInteger("lectern.test.upload-rounds", 1);
    private static final long SEED = Long.getLong("lectern.test.upload-seed", 20261207);

    private static ResourceLeakDetector.Level levelBefore;
    /** Everything logged while a test runs: a leak report or a buffer released twice shows up here. */
    private static final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void integrityProperties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.documents.max-upload", () -> "4MB");
        // Random bytes are not a document: extraction fails at once, in the server, without a child JVM.
        registry.add("lectern.documents.isolation", () -> "in-process");
        registry.add("lectern.documents.prestart", () -> "false");
        registry.add("lectern.documents.extraction-threads", () -> "1");
    }

    @BeforeAll
    static void paranoidLeakDetection() {
        // Every buffer allocated from here on is tracked, with a record of where it was touched.
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(levelBefore);
    }

    @BeforeEach
    void captureLog() {
        // Attached here, not before the context starts: Spring Boot resets the logging configuration then.
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        log.list.clear();
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void noBufferLeakedOrReleasedTwice() throws Exception {
        try {
            // The detector reports a collected, unreleased buffer on a later allocation: collect, then
            // allocate (a request does) a few times, so a leak of this test shows up now.
            for (int round = 0; round < 4; round++) {
                System.gc();
                Thread.sleep(100);
                assertThat(send(chunked("after.bin", random(round, 1 << 16), 4096)).statusCode()).isIn(200, 201);
            }
            List<String> problems;
            synchronized (log) {
                problems = log.list.stream().filter(event -> event.getLevel() == Level.ERROR)
                        .filter(event -> event.getFormattedMessage().contains("LEAK")
                                || (event.getThrowableProxy() != null
                                        && event.getThrowableProxy().getClassName().contains("IllegalReferenceCount")))
                        .map(event -> event.getFormattedMessage() + " " + (event.getThrowableProxy() == null ? ""
                                : event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage()))
                        .toList();
            }
            assertThat(problems).as("buffers leaked or released twice (Netty, paranoid)").isEmpty();
            assertThat(incoming()).as("partial files in incoming/").isEmptyDirectory();
        } finally {
            ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        }
    }

    @Test
    void everyUploadStoresExactlyTheBytesSentWhateverTheSizeAndHowTheyArrive() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            uploadAndCompare(SEED + round);
        }
    }

    /** 48 uploads, 4 at a time: edge sizes around network buffers and the limit, then random ones. */
    private void uploadAndCompare(long seed) throws Exception {
        List<Integer> sizes = new ArrayList<>(List.of(1, 2, 8191, 8192, 8193, 16384 + 77, 65535, 65536, 65537, LIMIT));
        SplittableRandom random = new SplittableRandom(seed);
        while (sizes.size() < 48) {
            sizes.add(random.nextInt(1, LIMIT + 1));
        }
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<?>> uploads = new ArrayList<>();
            for (int i = 0; i < sizes.size(); i++) {
                int n = i;
                uploads.add(clients.submit(() -> {
                    byte[] content = random(seed * 1000 + n, sizes.get(n));
                    String name = "random-" + seed + "-" + n + ".bin";
                    // Alternately a body with its length, and a chunked one in pieces of an uneven size.
                    HttpRequest request = n % 2 == 0 ? withLength(name, content)
                            : chunked(name, content, 1 + new SplittableRandom(seed + n).nextInt(100_000));
                    assertStored(name, content, send(request));
                    return null;
                }));
            }
            for (Future<?> upload : uploads) {
                upload.get();
            }
        }
    }

    @Test
    void anUploadOverTheLimitIsRefusedAndLeavesNothingBehind() throws Exception {
        for (int i = 0; i < 4 * ROUNDS; i++) {
            // Chunked, so only the count while streaming can stop it; the client still reads the 413.
            HttpResponse<String> response = send(chunked("huge-" + i + ".bin", random(i, LIMIT + 1 + (i % 4) * 100_000), 8192 + i));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
            assertThat(response.body()).contains("TOO_LARGE");
        }
    }

    @Test
    void aClientThatHangsUpMidUploadLeavesNoPartialFile() throws Exception {
        for (int i = 0; i < 6 * ROUNDS; i++) {
            byte[] content = random(500 + i, 3 << 20);
            try (Socket socket = new Socket("localhost", port)) {
                String boundary = "lectern-hangup-" + i;
                byte[] head = partHead(boundary, "hangup.bin");
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/documents HTTP/1.1\r\nHost: localhost:" + port + "\r\nAuthorization: Basic "
                        + credentials() + "\r\nContent-Type: multipart/form-data; boundary=" + boundary
                        + "\r\nContent-Length: " + (head.length + content.length + 64) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(head);
                // Part of the file, then a wait so the server is writing it when the connection goes.
                out.write(content, 0, (1 << 20) + (i % 6) * 10_000);
                out.flush();
                Thread.sleep(50 * (i % 6));
                socket.setSoLinger(true, 0);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!isEmpty(incoming()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(incoming()).as("partial files in incoming/").isEmptyDirectory();
        // The server still stores an upload whole afterwards.
        byte[] content = random(600, 2 << 20);
        assertStored("after-hangups.bin", content, send(withLength("after-hangups.bin", content)));
    }

    private void assertStored(String name, byte[] content, HttpResponse<String> response) throws Exception {
        String sha256 = sha256(content);
        // 200: the same bytes were stored before (a 1-byte file repeats across rounds); still checked below.
        assertThat(response.statusCode()).as(name + ": " + response.body()).isIn(200, 201);
        assertThat(response.body()).as(name).contains("\"sha256\":\"" + sha256 + "\"", "\"sizeBytes\":" + content.length);
        Path stored = DATA_DIR.resolve("documents").resolve(sha256);
        assertThat(stored).as(name).exists();
        assertThat(sha256(Files.readAllBytes(stored))).as(name + " as stored").isEqualTo(sha256);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private HttpRequest withLength(String name, byte[] content) {
        String boundary = "lectern-" + System.nanoTime();
        return request(boundary, HttpRequest.BodyPublishers.ofByteArrays(
                List.of(partHead(boundary, name), content, partTail(boundary))));
    }

    /** Without a length (chunked), read from a stream that hands out at most {@code piece} bytes a read. */
    private HttpRequest chunked(String name, byte[] content, int piece) {
        String boundary = "lectern-" + System.nanoTime();
        return request(boundary, HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(partHead(boundary, name)),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(content) {
                    @Override
                    public synchronized int read(byte[] b, int off, int len) {
                        return super.read(b, off, Math.min(len, piece));
                    }
                }),
                HttpRequest.BodyPublishers.ofByteArray(partTail(boundary))));
    }

    private HttpRequest request(String boundary, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/documents"))
                .header("Authorization", "Basic " + credentials())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(body).timeout(Duration.ofSeconds(120)).build();
    }

    private static byte[] partHead(String boundary, String name) {
        return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] partTail(String boundary) {
        return ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String credentials() {
        return Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static Path incoming() {
        return DATA_DIR.resolve("documents").resolve("incoming");
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.findAny().isEmpty();
        }
    }

}
