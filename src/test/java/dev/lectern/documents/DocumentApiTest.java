package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The documents API end to end: real server, embedded PostgreSQL, a generated tiny model for token
 * counts, a 1 MB upload limit and a context of 1,024 tokens with 64 reserved for the answer, so a few
 * pages fit and a few thousand words do not. Those settings make a second application context in the
 * test JVM, so it cannot share {@link LecternIntegrationTest}'s data directory (one embedded PostgreSQL
 * per directory): it sets up the same kind of context with a directory of its own.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DocumentApiTest {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "documents-admin-password";

    private static final String BOB = "bob";
    private static final String BOB_PASSWORD = "bobs-own-password";
    private static final Path DOCUMENTS_DATA_DIR = LecternIntegrationTest.freshDataDirectory();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void documentProperties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DOCUMENTS_DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.model.path", () -> TinyModel.file().toString());
        registry.add("lectern.model.context-length", () -> "1024");
        registry.add("lectern.chat.reserved-answer-tokens", () -> "64");
        registry.add("lectern.documents.max-upload", () -> "1MB");
    }

    @Autowired
    UserRepository users;

    @Autowired
    PasswordEncoder passwords;

    private WebTestClient client;

    @BeforeEach
    void client() {
        // A connection per request: a pooled connection the server closed after an error answer (with part of
        // the request unread) made the next request fail with "Connection prematurely closed BEFORE response".
        client = WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
                .baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(60)).build();
        users.createIfAbsent(BOB, passwords.encode(BOB_PASSWORD), Role.MEMBER);
    }

    @Test
    void pdfUploadIsExtractedWithPagesAndTokensAndTheSameBytesAgainAreTheSameDocument() throws Exception {
        byte[] pdf = Fixtures.pdf(3);
        DocumentResponse first = upload(ADMIN, ADMIN_PASSWORD, "report.pdf", pdf, HttpStatus.CREATED);
        assertThat(first.status()).isIn(DocumentStatus.UPLOADED, DocumentStatus.EXTRACTING,
                DocumentStatus.TOKENIZING, DocumentStatus.ENCODING, DocumentStatus.READY);
        assertThat(first.sizeBytes()).isEqualTo(pdf.length);

        DocumentResponse done = awaitFinal(ADMIN, ADMIN_PASSWORD, first.id().toString());
        assertThat(done.status()).as("extracted, counted, then encoded by the loaded model").isEqualTo(DocumentStatus.READY);
        assertThat(done.prefix().tokens()).isGreaterThan(done.tokenCount());
        assertThat(done.mediaType()).isEqualTo("application/pdf");
        assertThat(done.pageCount()).isEqualTo(3);
        assertThat(done.pagesKnown()).as("a PDF's pages are marked").isTrue();
        assertThat(done.tokenCount()).isPositive();
        assertThat(done.message()).isNull();

        String text = get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + first.id() + "/text").expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(text).contains("[Page 1]", "[Page 2]", "[Page 3]", "This is page 3 of the report.");

        DocumentResponse again = upload(ADMIN, ADMIN_PASSWORD, "copy of report.pdf", pdf, HttpStatus.OK);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.filename()).isEqualTo("report.pdf");
        List<DocumentResponse> mine = list(ADMIN, ADMIN_PASSWORD);
        assertThat(mine).filteredOn(d -> d.sha256().equals(first.sha256())).hasSize(1);
        assertThat(DOCUMENTS_DATA_DIR.resolve("documents").resolve(first.sha256())).exists().hasBinaryContent(pdf);
    }

    @Test
    void eventsStreamStartsWithTheCurrentStatusAndEndsAtTheFinalOne() throws Exception {
        DocumentResponse uploaded = upload(ADMIN, ADMIN_PASSWORD, "events.pdf", Fixtures.pdf(2), HttpStatus.CREATED);
        List<DocumentEvent> events = client.get().uri("/api/documents/" + uploaded.id() + "/events")
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange().expectStatus().isOk()
                .returnResult(DocumentEvent.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(60));
        assertThat(events).isNotEmpty();
        assertThat(events.getLast().status()).isEqualTo(DocumentStatus.READY);
        assertThat(events).map(DocumentEvent::status).isSorted().doesNotContain(DocumentStatus.EXTRACTED);
        assertThat(events.getLast().tokenCount()).isPositive();

        // After the end, a new listener gets the final status at once and the stream completes.
        List<DocumentEvent> later = client.get().uri("/api/documents/" + uploaded.id() + "/events")
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange().returnResult(DocumentEvent.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(10));
        assertThat(later).singleElement().extracting(DocumentEvent::status).isEqualTo(DocumentStatus.READY);
    }

    @Test
    void textTooLongForTheContextIsKeptAndSaysByHowMuch() throws Exception {
        String words = "The committee reviewed every threshold and recorded its reasons in detail. ".repeat(200);
        DocumentResponse uploaded = upload(ADMIN, ADMIN_PASSWORD, "minutes.txt",
                words.getBytes(StandardCharsets.UTF_8), HttpStatus.CREATED);
        DocumentResponse done = awaitFinal(ADMIN, ADMIN_PASSWORD, uploaded.id().toString());

        assertThat(done.status()).isEqualTo(DocumentStatus.TOO_LONG);
        assertThat(done.pagesKnown()).as("plain text has no pages").isFalse();
        assertThat(done.tokenCount()).isGreaterThan(1024);
        String tokens = String.format(java.util.Locale.ROOT, "%,d", done.tokenCount());
        assertThat(done.message()).contains("the document is " + tokens + " tokens", "context holds 1,024",
                "64 tokens kept for the answer", "tokens over", "Nothing was cut");
        String text = get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + uploaded.id() + "/text").expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(text).isEqualTo(words.strip());
    }

    @Test
    void uploadOverTheLimitIsRefusedWith413AndNothingIsKept() {
        // WebTestClient sends a multipart body in chunks, without a length: this is the check while streaming.
        byte[] big = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) 'a');
        var result = uploadRaw(ADMIN, ADMIN_PASSWORD, "huge.txt", big)
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(result).containsEntry("error", "TOO_LARGE");
        assertThat((String) result.get("message")).contains("1 MB", "lectern.documents.max-upload");
        assertThat(DOCUMENTS_DATA_DIR.resolve("documents/incoming")).isEmptyDirectory();
        assertHealthy();
    }

    /**
     * Only the headers are sent, declaring 40 MB: the server must answer from them alone, since the body
     * never comes. This is what a client waiting for "100 Continue" sees, and it sends nothing more.
     */
    @Test
    void uploadDeclaringALengthOverTheLimitIsRefusedWith413BeforeItsBodyIsRead() throws Exception {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            String credentials = Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(("POST /api/documents HTTP/1.1\r\nHost: localhost:" + port + "\r\n"
                    + "Authorization: Basic " + credentials + "\r\n"
                    + "Content-Type: multipart/form-data; boundary=lectern-boundary\r\n"
                    + "Content-Length: " + 40 * 1024 * 1024 + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();

            String response = readResponse(socket.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413").doesNotContain("100 Continue")
                    .contains("\"error\":\"TOO_LARGE\"", "1 MB upload limit", "lectern.documents.max-upload");
        }
        assertThat(DOCUMENTS_DATA_DIR.resolve("documents/incoming")).isEmptyDirectory();
        assertHealthy();
    }

    /**
     * A client that sends its whole 40 MB body anyway (the JDK's client, with the length and without
     * waiting for "100 Continue") still reads the 413 and its message, not a broken connection.
     */
    @Test
    void clientSendingAFortyMegabyteBodyWithItsLengthAnywayReadsThe413Message() throws Exception {
        Path file = DOCUMENTS_DATA_DIR.resolve("forty-megabytes.txt");
        byte[] line = "forty megabytes of text that the server must refuse from the length alone\n".getBytes(StandardCharsets.US_ASCII);
        try (var out = Files.newOutputStream(file)) {
            for (long written = 0; written < 40L * 1024 * 1024; written += line.length) {
                out.write(line);
            }
        }
        String boundary = "lectern-boundary";
        String credentials = Base64.getEncoder().encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/documents"))
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                // Every part has a known length, so the request carries Content-Length rather than chunks.
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(("--" + boundary + "\r\nContent-Disposition: form-data; "
                                + "name=\"file\"; filename=\"huge.txt\"\r\nContent-Type: text/plain\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII)),
                        HttpRequest.BodyPublishers.ofFile(file),
                        HttpRequest.BodyPublishers.ofByteArray(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII))))
                .timeout(Duration.ofSeconds(60)).build();
        assertThat(request.bodyPublisher().orElseThrow().contentLength()).isGreaterThan(40L * 1024 * 1024);
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE.value());
            assertThat(response.body()).contains("\"error\":\"TOO_LARGE\"", "1 MB upload limit");
        } finally {
            Files.delete(file);
        }
        assertThat(DOCUMENTS_DATA_DIR.resolve("documents/incoming")).isEmptyDirectory();
        assertHealthy();
    }

    @Test
    void emptyUploadIsRefusedWithAMessage() {
        var result = uploadRaw(ADMIN, ADMIN_PASSWORD, "nothing.pdf", new byte[0])
                .expectStatus().isBadRequest()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(result).containsEntry("error", "EMPTY_FILE");
        assertThat((String) result.get("message")).contains("nothing.pdf", "empty");
    }

    /**
     * A scan (two pages of pictures of text) read by OCR in the extraction process: the events stream
     * shows the {@code ocr} stage page by page and the text has the words. Without tesseract on the
     * machine (CI installs it), the same upload fails saying what to install.
     */
    @Test
    void aScanIsReadByOcrWithItsPagesOnTheEventsStreamOrSaysWhatToInstall() throws Exception {
        DocumentResponse scanned = upload(ADMIN, ADMIN_PASSWORD, "scan.pdf", ScannedPages.pdf(List.of(
                List.of("Pressure vessel inspection record"), List.of("Valves were replaced in March")), ""),
                HttpStatus.CREATED);
        List<DocumentEvent> events = client.get().uri("/api/documents/" + scanned.id() + "/events")
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange().expectStatus().isOk()
                .returnResult(DocumentEvent.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(120));
        DocumentResponse done = awaitFinal(ADMIN, ADMIN_PASSWORD, scanned.id().toString());

        if (!new TesseractOcr(new OcrSettings(true, "eng", Duration.ofSeconds(10), "")).installed()) {
            assertThat(done.status()).isEqualTo(DocumentStatus.FAILED);
            assertThat(done.message()).contains("this document is a scan and OCR is not installed: install tesseract-ocr");
            return;
        }
        assertThat(events).filteredOn(e -> "ocr".equals(e.stage()))
                .allSatisfy(e -> assertThat(e.status()).isEqualTo(DocumentStatus.EXTRACTING))
                .extracting(e -> e.pagesDone() + "/" + e.pageCount()).isNotEmpty().isSubsetOf("1/2", "2/2");
        assertThat(done.status()).isEqualTo(DocumentStatus.READY);
        assertThat(done.pagesKnown()).isTrue();
        String text = get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + scanned.id() + "/text").expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(text).contains("[Page 1]", "Pressure vessel inspection record", "[Page 2]",
                "Valves were replaced in March");
    }

    @Test
    void encryptedPdfFailsWithItsReasonAndTheAppStaysHealthy() throws Exception {
        DocumentResponse locked = upload(ADMIN, ADMIN_PASSWORD, "locked.pdf", Fixtures.encryptedPdf("user"),
                HttpStatus.CREATED);

        DocumentResponse lockedDone = awaitFinal(ADMIN, ADMIN_PASSWORD, locked.id().toString());
        assertThat(lockedDone.status()).isEqualTo(DocumentStatus.FAILED);
        assertThat(lockedDone.message()).contains("password-protected");

        get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + locked.id() + "/text")
                .expectStatus().isEqualTo(HttpStatus.CONFLICT)
                .expectBody().jsonPath("$.error").isEqualTo("NO_TEXT");
        assertHealthy();
    }

    /** Parsed "successfully" by the extraction process, but garbage: failed, and the text is not offered. */
    @Test
    void pdfWhoseFontsHaveNoUnicodeMappingFailsAsUndecodable() throws Exception {
        String chinese = "孙子曰：兵者，国之大事，死生之地，存亡之道，不可不察也。故经之以五事，校之以计，而索其情。";
        DocumentResponse uploaded = upload(ADMIN, ADMIN_PASSWORD, "sunzi.pdf",
                Fixtures.pdfInGbkFontWithoutUnicodeMap(List.of(chinese), 0), HttpStatus.CREATED);

        DocumentResponse done = awaitFinal(ADMIN, ADMIN_PASSWORD, uploaded.id().toString());
        assertThat(done.status()).isEqualTo(DocumentStatus.FAILED);
        assertThat(done.mediaType()).isEqualTo("application/pdf");
        assertThat(done.message()).contains("could not be decoded", "no Unicode mapping", "no OCR");
        get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + uploaded.id() + "/text")
                .expectStatus().isEqualTo(HttpStatus.CONFLICT)
                .expectBody().jsonPath("$.message").value(m -> assertThat((String) m).contains("could not be decoded"));
    }

    @Test
    void hostileFilenameIsStoredAndShownHarmlessly() throws Exception {
        byte[] text = "A harmless note.".getBytes(StandardCharsets.UTF_8);
        DocumentResponse uploaded = upload(ADMIN, ADMIN_PASSWORD, "../../etc/passwd<script>\u202Etxt.exe", text,
                HttpStatus.CREATED);
        assertThat(uploaded.filename()).isEqualTo("passwd<script>txt.exe");
        try (Stream<Path> stored = Files.list(DOCUMENTS_DATA_DIR.resolve("documents"))) {
            assertThat(stored.map(p -> p.getFileName().toString()))
                    .allMatch(name -> name.equals("incoming") || name.matches("[0-9a-f]{64}"));
        }
        assertThat(Path.of("target/etc")).doesNotExist();
        String json = get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + uploaded.id()).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(json).contains("\"filename\":\"passwd<script>txt.exe\"");
    }

    @Test
    void othersDocumentsAreInvisibleAndDeleteKeepsAFileSomeoneElseStillUses() throws Exception {
        byte[] shared = "Both of us uploaded this memo.".getBytes(StandardCharsets.UTF_8);
        DocumentResponse mine = upload(ADMIN, ADMIN_PASSWORD, "memo.txt", shared, HttpStatus.CREATED);
        DocumentResponse bobs = upload(BOB, BOB_PASSWORD, "memo.txt", shared, HttpStatus.CREATED);
        assertThat(bobs.id()).isNotEqualTo(mine.id());
        Path stored = DOCUMENTS_DATA_DIR.resolve("documents").resolve(mine.sha256());

        for (String path : List.of("", "/text", "/events")) {
            get(BOB, BOB_PASSWORD, "/api/documents/" + mine.id() + path).expectStatus().isNotFound();
        }
        client.delete().uri("/api/documents/" + mine.id()).headers(h -> h.setBasicAuth(BOB, BOB_PASSWORD))
                .exchange().expectStatus().isNotFound()
                .expectBody().jsonPath("$.error").isEqualTo("NOT_FOUND");
        assertThat(list(BOB, BOB_PASSWORD)).extracting(DocumentResponse::id).doesNotContain(mine.id());

        awaitFinal(ADMIN, ADMIN_PASSWORD, mine.id().toString());
        client.delete().uri("/api/documents/" + mine.id()).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isNoContent();
        get(ADMIN, ADMIN_PASSWORD, "/api/documents/" + mine.id()).expectStatus().isNotFound();
        assertThat(stored).exists();

        awaitFinal(BOB, BOB_PASSWORD, bobs.id().toString());
        client.delete().uri("/api/documents/" + bobs.id()).headers(h -> h.setBasicAuth(BOB, BOB_PASSWORD))
                .exchange().expectStatus().isNoContent();
        assertThat(stored).doesNotExist();
    }

    @Test
    void uploadWithoutAFileFieldSaysWhatToSend() {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("note", "no file here");
        client.post().uri("/api/documents").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .body(BodyInserters.fromMultipartData(body.build())).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("MISSING_FILE");
    }

    private DocumentResponse upload(String user, String password, String filename, byte[] bytes, HttpStatus expected) {
        return uploadRaw(user, password, filename, bytes).expectStatus().isEqualTo(expected)
                .expectBody(DocumentResponse.class).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec uploadRaw(String user, String password, String filename, byte[] bytes) {
        MultipartBodyBuilder body = new MultipartBodyBuilder();
        body.part("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return filename;
            }
        }).contentType(MediaType.APPLICATION_OCTET_STREAM);
        return client.post().uri("/api/documents").headers(h -> h.setBasicAuth(user, password))
                .body(BodyInserters.fromMultipartData(body.build())).exchange();
    }

    private WebTestClient.ResponseSpec get(String user, String password, String path) {
        return client.get().uri(path).headers(h -> h.setBasicAuth(user, password)).exchange();
    }

    private List<DocumentResponse> list(String user, String password) {
        return get(user, password, "/api/documents").expectStatus().isOk()
                .expectBodyList(DocumentResponse.class).returnResult().getResponseBody();
    }

    private DocumentResponse awaitFinal(String user, String password, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            DocumentResponse now = get(user, password, "/api/documents/" + id).expectStatus().isOk()
                    .expectBody(DocumentResponse.class).returnResult().getResponseBody();
            if (now.status().isFinal() || System.nanoTime() > deadline) {
                return now;
            }
            Thread.sleep(100);
        }
    }

    /** The status line, headers and a body of Content-Length bytes, read off a raw connection. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length: *(\\d+)").matcher(headers);
        byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return headers + new String(body, StandardCharsets.UTF_8);
    }

    private void assertHealthy() {
        client.get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
    }
}
