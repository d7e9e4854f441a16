package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Extraction in child processes, the default: results and file problems come back as in process, and
 * what would have hurt the server (a parser out of memory, crashing, or never returning) fails one
 * document with a plain message while the extractor goes on with a fresh child.
 */
class IsolatedTextExtractorTest {

    @TempDir
    Path dir;

    private final List<IsolatedTextExtractor> extractors = new ArrayList<>();

    @AfterEach
    void closeChildren() {
        extractors.forEach(IsolatedTextExtractor::close);
    }

    @Test
    void pdfIsExtractedInAChildWithPageMarkersProgressAndMediaType() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        List<Integer> pages = new ArrayList<>();
        List<String> types = new ArrayList<>();
        ExtractedDocument pdf = extractor.extract(write("report.pdf", Fixtures.pdf(3)), "report.pdf", Duration.ofSeconds(60),
                new ExtractionListener() {
                    @Override
                    public void pageStarted(int page) {
                        pages.add(page);
                    }

                    @Override
                    public void mediaTypeDetected(String mediaType) {
                        types.add(mediaType);
                    }
                });
        assertThat(pdf.mediaType()).isEqualTo("application/pdf");
        assertThat(pdf.pageCount()).isEqualTo(3);
        assertThat(pdf.text()).startsWith("[Page 1]").contains("[Page 3]\n\nThis is page 3 of the report.");
        assertThat(pages).containsExactly(1, 2, 3);
        assertThat(types).containsExactly("application/pdf");
    }

    @Test
    void theSameChildServesOneDocumentAfterAnotherIncludingAfterAFileProblem() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        assertThat(extract(extractor, "a.docx", Fixtures.docxWithTable()).text()).contains("| Methane | 100 000 | - |");
        assertThatThrownBy(() -> extract(extractor, "locked.pdf", Fixtures.encryptedPdf("user")))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("password-protected")
                .extracting(e -> ((ExtractionFailedException) e).mediaType()).isEqualTo("application/pdf");
        String chinese = "孙子曰：兵者，国之大事，死生之地，存亡之道，不可不察也。\n".repeat(5);
        assertThat(extract(extractor, "sunzi.txt", Fixtures.encode(chinese, "GBK")).text()).isEqualTo(chinese.strip());
        assertThat(extractor.processesStarted()).isEqualTo(1);
    }

    /**
     * A real input and the real limit: 40 million characters of text cannot fit in a 48 MB heap, so the
     * child's JVM dies of it (-XX:+ExitOnOutOfMemoryError), and the next document gets a new child.
     */
    @Test
    void aChildThatRunsOutOfMemoryFailsTheDocumentSayingSoAndTheNextDocumentStillWorks() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(48), 100_000_000);
        Path huge = hugeText(40_000_000);

        assertThatThrownBy(() -> extractor.extract(huge, "huge.txt", Duration.ofSeconds(120), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("The parser ran out of memory on this file (text/plain)")
                .hasMessageContaining("48 MB")
                .hasMessageContaining("lectern.documents.extraction-heap");

        assertThat(extract(extractor, "after.pdf", Fixtures.pdf(1)).text()).contains("This is page 1 of the report.");
        assertThat(extractor.processesStarted()).isEqualTo(2);
    }

    @Test
    void aParserThatNeverReturnsIsKilledAtTheTimeLimit() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        extract(extractor, "warm-up.pdf", Fixtures.pdf(1));
        Path stuck = write("stuck.bin", "LECTERN-TEST-HANG and then nothing".getBytes(StandardCharsets.US_ASCII));
        long started = System.nanoTime();

        assertThatThrownBy(() -> extractor.extract(stuck, "stuck.bin", Duration.ofSeconds(1), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("timed out after 1 s")
                .hasMessageContaining("lectern.documents.extraction-timeout");

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(1).plus(ExtractionChild.KILL_GRACE).plusSeconds(2));
        assertThat(extract(extractor, "after.pdf", Fixtures.pdf(1)).pageCount()).isEqualTo(1);
        assertThat(extractor.processesStarted()).isEqualTo(2);
    }

    @Test
    void aParserThatCrashesItsJvmFailsTheDocumentWithTheExitCode() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        Path crashing = write("crash.bin", "LECTERN-TEST-CRASH now".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> extractor.extract(crashing, "crash.bin", Duration.ofSeconds(60), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("The parser crashed while reading this file (application/x-lectern-test-crash)")
                .hasMessageContaining("exit code " + MisbehavingParser.CRASH_EXIT_CODE)
                .extracting(e -> ((ExtractionFailedException) e).mediaType()).isEqualTo("application/x-lectern-test-crash");
        assertThat(extract(extractor, "after.pdf", Fixtures.pdf(1)).pageCount()).isEqualTo(1);
    }

    @Test
    void prestartReadiesAChildWithoutAnyDocumentAndTheFirstDocumentUsesIt() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        extractor.prestart();
        assertThat(extractor.hasChildReadyOrStarting()).isTrue();
        extractor.prestart();
        awaitPrestarted(extractor);
        assertThat(extractor.processesStarted()).isEqualTo(1);
        assertThat(extractor.hasChildReadyOrStarting()).isTrue();

        long started = System.nanoTime();
        assertThat(extract(extractor, "first.pdf", Fixtures.pdf(1)).text()).contains("This is page 1 of the report.");
        System.out.printf("first PDF after prestart: %d ms%n", (System.nanoTime() - started) / 1_000_000);
        assertThat(extractor.processesStarted()).isEqualTo(1);
    }

    /** Starting a second child beside the one being started would only split the CPU between them. */
    @Test
    void aDocumentArrivingWhileThePrestartedChildStartsWaitsForItInsteadOfStartingAnother() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        extractor.prestart();
        assertThat(extract(extractor, "early.pdf", Fixtures.pdf(1)).pageCount()).isEqualTo(1);
        assertThat(extractor.processesStarted()).isEqualTo(1);
        assertThat(extractor.processesPrestarted()).isEqualTo(1);
        assertThat(extractor.hasChildReadyOrStarting()).as("the child is back in the pool").isTrue();
    }

    @Test
    void withoutPrestartNothingIsStartedBeforeTheFirstDocument() throws Exception {
        IsolatedTextExtractor extractor = extractor(DataSize.ofMegabytes(256), 1_000_000);
        assertThat(extractor.hasChildReadyOrStarting()).isFalse();
        assertThat(extractor.processesStarted()).isZero();
    }

    @Test
    void theWarmUpPageIsAPdfTikaReads() throws Exception {
        ExtractedDocument warmUp = new TikaTextExtractor(1_000_000).extract(write("warm-up.pdf", WarmUpPdf.bytes()),
                "warm-up.pdf", Duration.ofSeconds(60), page -> { });
        assertThat(warmUp.mediaType()).isEqualTo("application/pdf");
        assertThat(warmUp.text()).isEqualTo("[Page 1]\n\n" + WarmUpPdf.TEXT);
    }

    @Test
    void aJavaCommandThatCannotStartFailsWithAServerSideMessage() {
        IsolatedTextExtractor broken = new IsolatedTextExtractor(List.of("java", "-cp", dir.toString(), "no.such.Main", "1000"),
                DataSize.ofMegabytes(64));
        extractors.add(broken);
        assertThatThrownBy(() -> broken.extract(dir.resolve("any"), "any.txt", Duration.ofSeconds(10), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("could not start the process that reads documents")
                .hasMessageContaining("not of your file");
    }

    static void awaitPrestarted(IsolatedTextExtractor extractor) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (extractor.processesPrestarted() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(extractor.processesPrestarted()).as("children started ahead of any document").isEqualTo(1);
    }

    private IsolatedTextExtractor extractor(DataSize heap, int maxCharacters) {
        IsolatedTextExtractor extractor = new IsolatedTextExtractor(heap, maxCharacters);
        extractors.add(extractor);
        return extractor;
    }

    private ExtractedDocument extract(IsolatedTextExtractor extractor, String name, byte[] bytes) throws Exception {
        return extractor.extract(write(name, bytes), name, Duration.ofSeconds(60), page -> { });
    }

    private Path hugeText(long characters) throws IOException {
        Path file = dir.resolve("huge_txt");
        byte[] line = "Line of plain text that the extraction keeps whole, in memory, as it reads.\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < characters; written += line.length) {
                out.write(line);
            }
        }
        return file;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name.replace('.', '_')), bytes);
    }
}
