package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Extraction speed, in a child process and in process: a generated 1,500-page PDF and a large DOCX,
 * each read twice by a warm extractor, and the fixed cost a child adds per document. Also reads every
 * file of the shared sample corpus (../shared/documents, when present) in a child and prints what came
 * out. Run with {@code ./mvnw test -Pbench -Dtest=ExtractionBenchmarkTest}; see bench/pdf-glued-words.py for
 * comparing the PDFs' text with poppler's.
 */
@Tag("bench")
class ExtractionBenchmarkTest {

    /** Seeded random prose: repeated text would compress to nothing and make MB/s meaningless. */
    private static final String[] WORDS = ("the committee reviewed thresholds for air water and land recorded each "
            + "decision facility report pollutant emission annual release transfer waste methane mercury nitrogen "
            + "oxides sulphur carbon dioxide particulate matter benzene lead cadmium zinc arsenic chromium copper "
            + "nickel measured estimated calculated method quantity kilogram tonne year operator authority register "
            + "public access data quality review approved rejected amended pending according to article annex").split(" ");
    private final java.util.Random random = new java.util.Random(42);

    @TempDir
    Path dir;

    @Test
    void throughputOfALargePdfAndDocxInAChildAndInProcess() throws Exception {
        Path pdf = Files.write(dir.resolve("large_pdf"), largePdf(1_500, 45));
        Path docx = Files.write(dir.resolve("large_docx"), largeDocx(20_000));
        Path small = Files.write(dir.resolve("small_pdf"), Fixtures.pdf(1));
        System.out.printf(Locale.ROOT, "files: PDF %.1f MB (1,500 pages), DOCX %.1f MB%n", mb(Files.size(pdf)), mb(Files.size(docx)));

        TikaTextExtractor inProcess = new TikaTextExtractor(20_000_000);
        long first = time(() -> inProcess.extract(small, "small.pdf", Duration.ofMinutes(5), page -> { }));
        long warmInProcess = best(3, () -> inProcess.extract(small, "small.pdf", Duration.ofMinutes(5), page -> { }));
        System.out.printf(Locale.ROOT, "in-process: 1-page PDF, first %d ms, warm %d ms%n", first / 1_000_000,
                warmInProcess / 1_000_000);
        report("in-process", inProcess, pdf, "large.pdf");
        report("in-process", inProcess, docx, "large.docx");
        try (IsolatedTextExtractor isolated = new IsolatedTextExtractor(DataSize.ofMegabytes(512), 20_000_000)) {
            long cold = time(() -> isolated.extract(small, "small.pdf", Duration.ofMinutes(5), page -> { }));
            long warmChild = best(3, () -> isolated.extract(small, "small.pdf", Duration.ofMinutes(5), page -> { }));
            System.out.printf(Locale.ROOT, "process: 1-page PDF, first in a new child %d ms, warm child %d ms%n",
                    cold / 1_000_000, warmChild / 1_000_000);
            report("process", isolated, pdf, "large.pdf");
            report("process", isolated, docx, "large.docx");
        }
    }

    @Test
    void sharedSampleDocumentsInAChild() throws Exception {
        Path corpus = Path.of(System.getProperty("lectern.sample-documents", "../shared/documents"));
        Assumptions.assumeTrue(Files.isDirectory(corpus), "no sample corpus at " + corpus.toAbsolutePath());
        // -Dlectern.sample-output=DIR keeps each text (or failure) as DIR/<file>.txt, for bench/pdf-glued-words.py.
        String output = System.getProperty("lectern.sample-output");
        Path texts = output == null ? null : Files.createDirectories(Path.of(output));
        List<Path> files;
        try (Stream<Path> listing = Files.list(corpus)) {
            files = listing.filter(f -> !f.getFileName().toString().equals("README.md")).sorted().toList();
        }
        // With OCR as the server's defaults have it (scans are read where tesseract is installed).
        OcrSettings ocr = new OcrSettings(true, "eng", Duration.ofSeconds(60), "");
        try (IsolatedTextExtractor isolated = new IsolatedTextExtractor(DataSize.ofMegabytes(512), 20_000_000, ocr)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long started = System.nanoTime();
                try {
                    ExtractedDocument document = isolated.extract(file, name, Duration.ofMinutes(2), page -> { });
                    System.out.printf(Locale.ROOT, "%-45s extracted %s, pages %s (known: %s), %,d chars, %d ms, title %s: %s%n",
                            name, document.mediaType(), document.pageCount(), document.pagesKnown(), document.text().length(),
                            (System.nanoTime() - started) / 1_000_000, document.title(), snippet(document.text()));
                    if (texts != null) {
                        Files.writeString(texts.resolve(name + ".txt"), document.text());
                    }
                } catch (ExtractionFailedException failure) {
                    System.out.printf(Locale.ROOT, "%-45s failed (%s), %d ms: %s%n", name, failure.mediaType(),
                            (System.nanoTime() - started) / 1_000_000, failure.getMessage());
                    if (texts != null) {
                        Files.writeString(texts.resolve(name + ".txt"), "FAILED: " + failure.getMessage());
                    }
                }
            }
            assertThat(isolated.processesStarted()).as("one child served the whole corpus").isEqualTo(1);
        }
    }

    private static void report(String mode, TextExtractor extractor, Path file, String name) throws Exception {
        for (int run = 1; run <= 2; run++) {
            long started = System.nanoTime();
            ExtractedDocument document = extractor.extract(file, name, Duration.ofMinutes(10), page -> { });
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %s run %d: %.2f s, %.2f MB/s, %,.0f chars/s (%,d chars, %s pages)%n", mode,
                    name, run, seconds, mb(Files.size(file)) / seconds, document.text().length() / seconds,
                    document.text().length(), document.pageCount());
        }
    }

    private interface Extraction {
        void run() throws Exception;
    }

    private static long time(Extraction extraction) throws Exception {
        long started = System.nanoTime();
        extraction.run();
        return System.nanoTime() - started;
    }

    private static long best(int runs, Extraction extraction) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            best = Math.min(best, time(extraction));
        }
        return best;
    }

    private static double mb(long bytes) {
        return bytes / 1_048_576.0;
    }

    private static String snippet(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() > 110 ? flat.substring(0, 110) + "…" : flat;
    }

    private String sentence(int words) {
        StringBuilder sentence = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sentence.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sentence.append('.').toString();
    }

    private byte[] largePdf(int pages, int linesPerPage) throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (int p = 1; p <= pages; p++) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, 9);
                    content.setLeading(15);
                    content.newLineAtOffset(40, 740);
                    for (int line = 1; line <= linesPerPage; line++) {
                        content.showText(p + "." + line + " " + sentence(14));
                        content.newLine();
                    }
                    content.endText();
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        }
    }

    /** Paragraphs with a heading every 50 and a 10 × 4 table every 100. */
    private byte[] largeDocx(int paragraphs) throws IOException {
        try (XWPFDocument document = new XWPFDocument()) {
            for (int p = 1; p <= paragraphs; p++) {
                if (p % 50 == 1) {
                    var heading = document.createParagraph();
                    heading.setStyle("Heading1");
                    heading.createRun().setText("Chapter " + (p / 50 + 1));
                }
                document.createParagraph().createRun().setText(sentence(40));
                if (p % 100 == 0) {
                    XWPFTable table = document.createTable(10, 4);
                    for (int r = 0; r < 10; r++) {
                        for (int c = 0; c < 4; c++) {
                            table.getRow(r).getCell(c).setText("r" + r + "c" + c + " of " + p);
                        }
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.write(out);
            return out.toByteArray();
        }
    }
}
