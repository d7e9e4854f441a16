package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.poi.xwpf.usermodel.BreakType;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFRun;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Page markers for Word files, from what the file records: where Word last laid out its pages
 * ({@code w:lastRenderedPageBreak}), else its explicit page breaks; and "pages not known" where it records
 * neither, or where the explicit breaks disagree with the page count it declares. The files are written
 * here with POI.
 */
class DocxPagesTest {

    @TempDir
    Path dir;

    private final TikaTextExtractor extractor = new TikaTextExtractor(1_000_000);

    @Test
    void pagesWordLaidOutAreMarkedWhereTheyBegin() throws Exception {
        XWPFDocument word = new XWPFDocument();
        word.createParagraph().createRun().setText("Alpha is on the first page.");
        XWPFParagraph second = word.createParagraph();
        XWPFRun run = second.createRun();
        run.setText("Beta ends the first page");
        run.getCTR().addNewLastRenderedPageBreak();
        run.setText(" and goes on to the second.");
        renderedPageStart(word, "Gamma is on the third page.");

        ExtractedDocument read = extract(word);
        assertThat(read.text()).isEqualTo("""
                [Page 1]

                Alpha is on the first page.

                Beta ends the first page

                [Page 2]

                and goes on to the second.

                [Page 3]

                Gamma is on the third page.""");
        assertThat(read.pagesKnown()).isTrue();
        assertThat(read.pageCount()).isEqualTo(3);
    }

    @Test
    void explicitBreaksMarkPagesWhenWordRecordedNoLayout() throws Exception {
        XWPFDocument word = new XWPFDocument();
        XWPFRun run = word.createParagraph().createRun();
        run.setText("Introduction on page one.");
        run.addBreak(BreakType.PAGE);
        word.createParagraph().createRun().setText("Methods on page two.");
        XWPFParagraph third = word.createParagraph();
        third.setPageBreak(true);
        third.createRun().setText("Results on page three.");

        ExtractedDocument read = extract(word);
        assertThat(read.text()).isEqualTo("[Page 1]\n\nIntroduction on page one.\n\n[Page 2]\n\nMethods on page two."
                + "\n\n[Page 3]\n\nResults on page three.");
        assertThat(read.pagesKnown()).isTrue();
        assertThat(read.pageCount()).isEqualTo(3);
    }

    /** Word writes a rendered break after each explicit one too: counting both would number pages twice. */
    @Test
    void aLaidOutDocumentIsNotCountedTwiceForItsExplicitBreaks() throws Exception {
        XWPFDocument word = new XWPFDocument();
        XWPFRun run = word.createParagraph().createRun();
        run.setText("Cover page.");
        run.addBreak(BreakType.PAGE);
        renderedPageStart(word, "Contents on page two.");

        ExtractedDocument read = extract(word);
        assertThat(read.text()).isEqualTo("[Page 1]\n\nCover page.\n\n[Page 2]\n\nContents on page two.");
        assertThat(read.pageCount()).isEqualTo(2);
    }

    @Test
    void aFileThatRecordsNoPagesSaysSoAndHasNoMarkers() throws Exception {
        XWPFDocument word = new XWPFDocument();
        word.createParagraph().createRun().setText("A memo with no page breaks at all.");

        ExtractedDocument read = extract(word);
        assertThat(read.text()).isEqualTo("A memo with no page breaks at all.");
        assertThat(read.pagesKnown()).isFalse();
    }

    /** Five pages declared, two made by the breaks: some page ran over, so the numbers would be wrong. */
    @Test
    void explicitBreaksThatDisagreeWithTheDeclaredPageCountAreNotTrusted() throws Exception {
        XWPFDocument word = new XWPFDocument();
        XWPFRun run = word.createParagraph().createRun();
        run.setText("A long chapter that Word spread over four pages.");
        run.addBreak(BreakType.PAGE);
        word.createParagraph().createRun().setText("The last page.");
        word.getProperties().getExtendedProperties().getUnderlyingProperties().setPages(5);

        ExtractedDocument read = extract(word);
        assertThat(read.text()).doesNotContain("[Page").doesNotContain("\uE000")
                .contains("A long chapter", "The last page.");
        assertThat(read.pagesKnown()).isFalse();
    }

    @Test
    void aBreakInsideATableIsMarkedAfterTheTable() throws Exception {
        XWPFDocument word = new XWPFDocument();
        word.createParagraph().createRun().setText("Before the table.");
        XWPFTable table = word.createTable(2, 2);
        table.getRow(0).getCell(0).setText("Medium");
        table.getRow(0).getCell(1).setText("Threshold");
        table.getRow(1).getCell(0).setText("Air");
        XWPFRun cell = table.getRow(1).getCell(1).getParagraphs().getFirst().createRun();
        cell.getCTR().addNewLastRenderedPageBreak();
        cell.setText("100 kg");
        word.createParagraph().createRun().setText("After the table.");

        String text = extract(word).text();
        assertThat(text).contains("| Air | 100 kg |").doesNotContain("\uE000");
        assertThat(text.indexOf("[Page 2]")).isGreaterThan(text.indexOf("| Air | 100 kg |"))
                .isLessThan(text.indexOf("After the table."));
    }

    /** The marker survives the extraction process and its protocol, with pagesKnown. */
    @Test
    void anExtractionProcessReportsWhetherPagesAreKnown() throws Exception {
        XWPFDocument paged = new XWPFDocument();
        XWPFRun run = paged.createParagraph().createRun();
        run.setText("One.");
        run.addBreak(BreakType.PAGE);
        paged.createParagraph().createRun().setText("Two.");
        XWPFDocument unpaged = new XWPFDocument();
        unpaged.createParagraph().createRun().setText("No pages.");
        try (IsolatedTextExtractor isolated = new IsolatedTextExtractor(DataSize.ofMegabytes(256), 1_000_000)) {
            ExtractedDocument withPages = isolated.extract(write("paged.docx", paged), "paged.docx",
                    Duration.ofSeconds(60), page -> { });
            ExtractedDocument without = isolated.extract(write("unpaged.docx", unpaged), "unpaged.docx",
                    Duration.ofSeconds(60), page -> { });
            assertThat(withPages.pagesKnown()).isTrue();
            assertThat(withPages.text()).contains("[Page 2]\n\nTwo.");
            assertThat(without.pagesKnown()).isFalse();
        }
    }

    /** A paragraph whose first run carries Word's mark of a page start. */
    private static void renderedPageStart(XWPFDocument word, String text) {
        XWPFRun run = word.createParagraph().createRun();
        run.getCTR().addNewLastRenderedPageBreak();
        run.setText(text);
    }

    private ExtractedDocument extract(XWPFDocument word) throws Exception {
        return extractor.extract(write("file.docx", word), "file.docx", Duration.ofSeconds(30), page -> { });
    }

    private Path write(String name, XWPFDocument word) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        word.write(out);
        word.close();
        Path file = dir.resolve(name);
        Files.write(file, out.toByteArray());
        return file;
    }
}
