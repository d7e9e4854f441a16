package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Scans read by Tesseract: PDF pages without a text layer and picture uploads, in process and in an
 * extraction process, with progress per page; and the messages when OCR is off or not installed. The
 * files are made here (text drawn into a picture), so the words OCR must find are known. Tests that
 * need tesseract are skipped, saying so, only where it is not installed; CI installs it (.ci/run).
 */
class OcrTest {

    private static final List<String> FIRST_SCAN = List.of(
            "Centrifuge safety rules for the laboratory",
            "Balance every rotor before starting a run.",
            "Never open the lid while the rotor is spinning.");
    private static final List<String> SECOND_SCAN = List.of(
            "Cleaning and maintenance",
            "Wipe spills inside the chamber with ethanol.",
            "Record each service in the equipment logbook.");
    private static final String TEXT_LAYER = "This page was typed, not scanned: its words are in the text layer.";
    private static final OcrSettings AUTO = new OcrSettings(true, "eng", Duration.ofSeconds(60), "");

    @TempDir
    Path dir;

    @Test
    void scannedPdfPagesAreReadPageByPageAndTypedPagesKeepTheirText() throws Exception {
        assumeTesseract();
        List<int[]> progress = new ArrayList<>();
        ExtractedDocument read = new TikaTextExtractor(1_000_000, AUTO).extract(
                write("manual.pdf", ScannedPages.pdf(java.util.Arrays.asList(FIRST_SCAN, null, SECOND_SCAN), TEXT_LAYER)),
                "manual.pdf", Duration.ofSeconds(60), listener(progress));

        System.out.println("OCR'd text of the generated scan:\n" + read.text());
        assertThat(read.pageCount()).isEqualTo(3);
        assertThat(progress).extracting(p -> p[0] + "/" + p[1]).containsExactly("1/2", "2/2");
        String text = read.text();
        assertThat(text).startsWith("[Page 1]").contains("[Page 2]\n\n" + TEXT_LAYER, "[Page 3]");
        String first = text.substring(0, text.indexOf("[Page 2]"));
        String third = text.substring(text.indexOf("[Page 3]"));
        assertThat(first).contains("Centrifuge safety rules", "Balance every rotor before starting a run",
                "Never open the lid while the rotor is spinning");
        assertThat(third).contains("Cleaning and maintenance", "Wipe spills inside the chamber with ethanol",
                "Record each service in the equipment logbook");
    }

    @Test
    void aPngUploadIsReadAsOnePage() throws Exception {
        assumeTesseract();
        List<int[]> progress = new ArrayList<>();
        ExtractedDocument read = new TikaTextExtractor(1_000_000, AUTO).extract(write("note.png",
                ScannedPages.png(SECOND_SCAN)), "note.png", Duration.ofSeconds(60), listener(progress));

        assertThat(read.mediaType()).isEqualTo("image/png");
        assertThat(read.text()).contains("Wipe spills inside the chamber with ethanol").doesNotContain("[Page");
        assertThat(progress).extracting(p -> p[0] + "/" + p[1]).containsExactly("1/1");
    }

    @Test
    void eachPageOfATiffIsReadAndMarked() throws Exception {
        assumeTesseract();
        List<int[]> progress = new ArrayList<>();
        ExtractedDocument read = new TikaTextExtractor(1_000_000, AUTO).extract(write("scan.tiff",
                ScannedPages.tiff(List.of(FIRST_SCAN, SECOND_SCAN))), "scan.tiff", Duration.ofSeconds(60), listener(progress));

        assertThat(read.mediaType()).isEqualTo("image/tiff");
        assertThat(read.pageCount()).isEqualTo(2);
        assertThat(read.pagesKnown()).isTrue();
        assertThat(progress).extracting(p -> p[0] + "/" + p[1]).containsExactly("1/2", "2/2");
        String text = read.text();
        assertThat(text).startsWith("[Page 1]");
        assertThat(text.substring(0, text.indexOf("[Page 2]"))).contains("Never open the lid while the rotor is spinning");
        assertThat(text.substring(text.indexOf("[Page 2]"))).contains("Record each service in the equipment logbook");
    }

    /** The child sends each OCR page as a frame of its own; its parent relays it. */
    @Test
    void anExtractionProcessReadsAScanAndReportsItsPages() throws Exception {
        assumeTesseract();
        List<int[]> progress = new ArrayList<>();
        try (IsolatedTextExtractor isolated = new IsolatedTextExtractor(DataSize.ofMegabytes(512), 1_000_000, AUTO)) {
            ExtractedDocument read = isolated.extract(write("scan.pdf", ScannedPages.pdf(List.of(FIRST_SCAN), "")),
                    "scan.pdf", Duration.ofSeconds(60), listener(progress));
            assertThat(read.text()).startsWith("[Page 1]").contains("Balance every rotor before starting a run");
        }
        assertThat(progress).extracting(p -> p[0] + "/" + p[1]).containsExactly("1/1");
    }

    @Test
    void withoutTesseractAScanFailsSayingWhatToInstall() throws Exception {
        OcrSettings nowhere = new OcrSettings(true, "eng", Duration.ofSeconds(60), dir.resolve("no-tesseract-here").toString());
        TikaTextExtractor extractor = new TikaTextExtractor(1_000_000, nowhere);
        Path scan = write("scan.pdf", ScannedPages.pdf(List.of(FIRST_SCAN), ""));
        assertThatThrownBy(() -> extractor.extract(scan, "scan.pdf", Duration.ofSeconds(60), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("this document is a scan and OCR is not installed: install tesseract-ocr");
        Path png = write("note.png", ScannedPages.png(FIRST_SCAN));
        assertThatThrownBy(() -> extractor.extract(png, "note.png", Duration.ofSeconds(60), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("this document is a scan and OCR is not installed: install tesseract-ocr");
        // A document with a text layer does not need it.
        assertThat(extractor.extract(write("typed.pdf", Fixtures.pdf(1)), "typed.pdf", Duration.ofSeconds(60),
                page -> { }).text()).contains("This is page 1 of the report.");
    }

    @Test
    void withOcrOffAScanSaysSo() throws Exception {
        TikaTextExtractor extractor = new TikaTextExtractor(1_000_000, OcrSettings.off());
        Path scan = write("scan.pdf", ScannedPages.pdf(List.of(FIRST_SCAN), ""));
        assertThatThrownBy(() -> extractor.extract(scan, "scan.pdf", Duration.ofSeconds(60), page -> { }))
                .hasMessageContaining("No text found").hasMessageContaining("lectern.documents.ocr=off");
        Path png = write("note.png", ScannedPages.png(FIRST_SCAN));
        assertThatThrownBy(() -> extractor.extract(png, "note.png", Duration.ofSeconds(60), page -> { }))
                .hasMessageContaining("lectern.documents.ocr=off");
    }

    @Test
    void aLanguageThatIsNotInstalledFailsNamingIt() throws Exception {
        assumeTesseract();
        OcrSettings klingon = new OcrSettings(true, "tlh", Duration.ofSeconds(60), "");
        Path png = write("note.png", ScannedPages.png(FIRST_SCAN));
        assertThatThrownBy(() -> new TikaTextExtractor(1_000_000, klingon).extract(png, "note.png",
                Duration.ofSeconds(60), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("\"tlh\"").hasMessageContaining("lectern.documents.ocr-languages");
    }

    /**
     * A stand-in tesseract that answers its version but never finishes a page: each page is stopped at its
     * limit, the document goes on, and a page not read says so in the text; a scan with no page read fails.
     */
    @Test
    void aPagePastItsTimeLimitIsStoppedAndSaysSo() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("slow-tesseract"));
        Path program = bin.resolve("tesseract");
        Files.writeString(program, """
                #!/bin/sh
                case "$1" in --version|--list-langs|"") echo "tesseract 5.3.0"; exit 0;; esac
                exec sleep 60
                """);
        assertThat(program.toFile().setExecutable(true)).isTrue();
        OcrSettings slow = new OcrSettings(true, "eng", Duration.ofSeconds(1), bin.toString());
        TikaTextExtractor extractor = new TikaTextExtractor(1_000_000, slow);

        long started = System.nanoTime();
        ExtractedDocument mixed = extractor.extract(write("mixed.pdf", ScannedPages.pdf(
                java.util.Arrays.asList(FIRST_SCAN, null), TEXT_LAYER)), "mixed.pdf", Duration.ofSeconds(60), page -> { });
        assertThat(mixed.text()).contains("[Page 1]\n\n(Page 1 could not be read: OCR took longer than 1 s "
                + "(lectern.documents.ocr-page-timeout).)", "[Page 2]\n\n" + TEXT_LAYER);
        Path png = write("note.png", ScannedPages.png(FIRST_SCAN));
        assertThatThrownBy(() -> extractor.extract(png, "note.png", Duration.ofSeconds(60), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("is a scan, and OCR could not read its page: OCR took longer than 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("each page stopped at its limit, not after 60 s")
                .isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void theSettingsCrossToAChildAsArguments() {
        OcrSettings settings = new OcrSettings(true, "eng+deu", Duration.ofSeconds(45), "/opt/tesseract/bin");
        assertThat(OcrSettings.fromArguments(settings.toArguments().toArray(String[]::new), 0)).isEqualTo(settings);
        assertThat(OcrSettings.fromArguments(OcrSettings.off().toArguments().toArray(String[]::new), 0))
                .isEqualTo(OcrSettings.off());
    }

    private static ExtractionListener listener(List<int[]> progress) {
        return new ExtractionListener() {
            @Override
            public void pageStarted(int page) {
            }

            @Override
            public void ocrPage(int page, int pages) {
                progress.add(new int[] {page, pages});
            }
        };
    }

    private static void assumeTesseract() {
        assumeTrue(new TesseractOcr(new OcrSettings(true, "eng", Duration.ofSeconds(10), "")).installed(),
                "tesseract is not installed here (apt-get install tesseract-ocr); CI installs it");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }
}
