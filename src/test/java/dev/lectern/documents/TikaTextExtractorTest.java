package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TikaTextExtractorTest {

    private static final String MARKDOWN_TABLE = """
            | Pollutant | Air (kg/year) | Water \\| land |
            | --- | --- | --- |
            | Methane | 100 000 | - |
            | Mercury | 10 | 1 |
            """;
    private static final String CHINESE = "孙子曰：兵者，国之大事，死生之地，存亡之道，不可不察也。故经之以五事，校之以计，而索其情：一曰道，二曰天，三曰地，四曰将，五曰法。";
    private static final String FRENCH = "Il y avait en Westphalie, dans le château de monsieur le baron de Thunder-ten-tronckh, un jeune garçon à qui la nature avait donné les moeurs les plus douces. Sa physionomie annonçait son âme ; il avait le jugement assez droit, avec l'esprit le plus simple : c'est, je crois, pour cette raison qu'on le nommait Candide. Les anciens domestiques de la maison soupçonnaient qu'il était fils de la soeur de monsieur le baron.";

    @TempDir
    Path dir;

    private final TikaTextExtractor extractor = new TikaTextExtractor(1_000_000);

    @Test
    void threePagePdfHasPageMarkersInOrderBeforeEachPagesText() throws Exception {
        List<Integer> pagesReported = new ArrayList<>();
        ExtractedDocument pdf = extractor.extract(write("report.pdf", Fixtures.pdf(3)), "report.pdf",
                Duration.ofSeconds(30), pagesReported::add);

        assertThat(pdf.mediaType()).isEqualTo("application/pdf");
        assertThat(pdf.pageCount()).isEqualTo(3);
        assertThat(pagesReported).containsExactly(1, 2, 3);
        Matcher markers = Pattern.compile("\\[Page (\\d+)]\\n\\nThis is page (\\d+) of the report\\.").matcher(pdf.text());
        List<String> found = new ArrayList<>();
        while (markers.find()) {
            assertThat(markers.group(1)).isEqualTo(markers.group(2));
            found.add(markers.group(1));
        }
        assertThat(found).containsExactly("1", "2", "3");
        assertThat(pdf.text()).startsWith("[Page 1]");
    }

    @Test
    void pptxSlidesGetPageMarkersInOrder() throws Exception {
        ExtractedDocument pptx = extract("deck.pptx", Fixtures.pptx(3));
        assertThat(pptx.mediaType()).isEqualTo("application/vnd.openxmlformats-officedocument.presentationml.presentation");
        assertThat(pptx.text()).startsWith("[Page 1]\n\nThis is slide 1 of the deck.")
                .contains("[Page 2]\n\nThis is slide 2 of the deck.", "[Page 3]\n\nThis is slide 3 of the deck.");
        assertThat(pptx.pageCount()).isEqualTo(3);
    }

    /**
     * Tika 3.3 gives DOCX no page signal at all; DocxPageBreaks marks the file's page starts for it. Where
     * Word recorded its layout (a rendered page break), that layout is the pages, and the explicit breaks
     * (which Word follows with a rendered mark of their own) are not counted again. DocxPagesTest has the
     * other cases.
     */
    @Test
    void docxPagesFollowWordsRenderedLayout() throws Exception {
        ExtractedDocument docx = extract("breaks.docx", Fixtures.docxWithPageBreaks());
        assertThat(docx.text()).isEqualTo("[Page 1]\n\nText on page one.\n\nPage two, after a hard page break.\n\n"
                + "[Page 2]\n\nPage three, after a rendered page break.\n\nPage four, after page break before.");
        assertThat(docx.pagesKnown()).isTrue();
    }

    @Test
    void docxTableBecomesAMarkdownTable() throws Exception {
        ExtractedDocument docx = extract("thresholds.docx", Fixtures.docxWithTable());
        assertThat(docx.text()).contains("Thresholds by medium.\n\n" + MARKDOWN_TABLE.strip());
    }

    @Test
    void xlsxSheetBecomesAHeadingAndAMarkdownTable() throws Exception {
        ExtractedDocument xlsx = extract("thresholds.xlsx", Fixtures.xlsxWithTable());
        assertThat(xlsx.text()).isEqualTo("# Thresholds\n\n" + MARKDOWN_TABLE.strip());
    }

    @Test
    void htmlKeepsHeadingsListsAndTablesAndDropsScriptsAndHead() throws Exception {
        ExtractedDocument html = extract("page.html", Fixtures.htmlWithTable().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(html.title()).isEqualTo("Thresholds");
        assertThat(html.text()).isEqualTo("# E-PRTR thresholds\n\nReported per medium.\n\n- first point\n- second point\n\n"
                + MARKDOWN_TABLE.strip());
    }

    @Test
    void gbkTextDecodesToTheRightChinese() throws Exception {
        String text = (CHINESE + "\n").repeat(6);
        ExtractedDocument gbk = extract("sunzi.txt", Fixtures.encode(text, "GBK"));
        assertThat(gbk.mediaType()).startsWith("text/plain");
        assertThat(gbk.text()).isEqualTo(text.strip());
    }

    @Test
    void latin1TextDecodesAccentsCorrectly() throws Exception {
        ExtractedDocument latin1 = extract("candide.txt", Fixtures.encode(FRENCH + "\n", "ISO-8859-1"));
        assertThat(latin1.text()).isEqualTo(FRENCH);
    }

    @Test
    void aPdfNamedTxtIsDetectedAsPdfFromItsBytes() throws Exception {
        ExtractedDocument disguised = extract("notes.txt", Fixtures.pdf(1));
        assertThat(disguised.mediaType()).isEqualTo("application/pdf");
        assertThat(disguised.text()).startsWith("[Page 1]").contains("This is page 1 of the report.");
    }

    @Test
    void passwordProtectedPdfFailsSayingSo() throws IOException {
        assertFails("locked.pdf", Fixtures.encryptedPdf("user"), "password-protected");
    }

    @Test
    void corruptPdfFailsAsDamaged() throws IOException {
        byte[] pdf = Fixtures.pdf(2);
        byte[] truncated = java.util.Arrays.copyOf(pdf, pdf.length / 3);
        assertFails("broken.pdf", truncated, "damaged or incomplete");
    }

    @Test
    void emptyFileFailsAsEmpty() {
        assertFails("empty.pdf", new byte[0], "empty");
    }

    @Test
    void imageOnlyPdfSaysNoTextAndNoOcr() throws IOException {
        assertFails("scan.pdf", Fixtures.imageOnlyPdf(), "No text found", "OCR");
    }

    /** The shape of XiaoBiaoSong.pdf: parsing "succeeds", but every Chinese character is a Latin-1 pair. */
    @Test
    void pdfInAFontWithoutUnicodeMappingFailsAsUndecodable() throws IOException {
        byte[] pdf = Fixtures.pdfInGbkFontWithoutUnicodeMap(List.of(CHINESE, CHINESE), 0);
        String firstCharacterAsExtracted = new String("孙".getBytes(java.nio.charset.Charset.forName("GBK")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> extract("sunzi.pdf", pdf))
                .isInstanceOf(ExtractionFailedException.class)
                .hasFieldOrPropertyWithValue("mediaType", "application/pdf")
                .message().contains("The text in this PDF could not be decoded", "no Unicode mapping", "OCR",
                        "it reads like \"" + firstCharacterAsExtracted);
    }

    @Test
    void twoUndecodablePagesInATenPagePdfStillGiveTheReadableOnes() throws Exception {
        ExtractedDocument pdf = extract("mixed.pdf", Fixtures.pdfInGbkFontWithoutUnicodeMap(List.of(CHINESE, CHINESE), 8));
        assertThat(pdf.pageCount()).isEqualTo(10);
        assertThat(pdf.text()).contains("[Page 3]\n\nThis is page 3 of the report.", "This is page 10 of the report.")
                .doesNotContain("孙子");
    }

    @Test
    void randomBytesAreAnUnsupportedType() {
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        assertFails("blob.bin", noise, "cannot read");
    }

    @Test
    void aParseThatPassesItsDeadlineStopsWithATimeOut() throws IOException {
        Path big = write("big.pdf", Fixtures.pdf(200));
        assertThatThrownBy(() -> extractor.extract(big, "big.pdf", Duration.ofNanos(1), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("timed out")
                .hasMessageContaining("lectern.documents.extraction-timeout");
    }

    @Test
    void textBeyondTheCharacterLimitFailsInsteadOfBeingCut() throws IOException {
        TikaTextExtractor small = new TikaTextExtractor(1_000);
        Path file = write("long.txt", "word ".repeat(1_000).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> small.extract(file, "long.txt", Duration.ofSeconds(30), page -> { }))
                .isInstanceOf(ExtractionFailedException.class)
                .hasMessageContaining("1,000 characters");
    }

    /** 1.5 MB on disk, 150 MB of XML inside: refused while unpacking, long before it fills memory. */
    @Test
    void docxThatExpandsLikeAZipBombIsRefused() throws Exception {
        byte[] bomb = Fixtures.zipBombDocx(150_000_000);
        assertThat(bomb.length).isLessThan(2_000_000);
        long heapBefore = usedHeap();
        assertFails("bomb.docx", bomb, "zip bomb");
        assertThat(usedHeap() - heapBefore).as("heap kept after refusing the bomb").isLessThan(64L << 20);
    }

    private static long usedHeap() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private ExtractedDocument extract(String name, byte[] bytes) throws Exception {
        return extractor.extract(write(name, bytes), name, Duration.ofSeconds(30), page -> { });
    }

    private void assertFails(String name, byte[] bytes, String... messageParts) {
        assertThatThrownBy(() -> extract(name, bytes))
                .isInstanceOf(ExtractionFailedException.class)
                .message().contains(messageParts);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        // Stored files have no extension, like the real store (named by sha256); the name is only a hint.
        return Files.write(dir.resolve(name.replace('.', '_')), bytes);
    }
}
