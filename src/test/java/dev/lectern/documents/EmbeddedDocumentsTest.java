package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files inside files: their text in a marked section after the page that holds them, outside its page numbering. */
class EmbeddedDocumentsTest {

    @TempDir
    Path dir;

    @Test
    void aFileAttachedToPageTwoFollowsPageTwoAndThePictureBesideItIsSkipped() throws Exception {
        byte[] pdf = Fixtures.pdfWithAttachments(3, 2, "notes.txt", "Calibration notes: the balance drifts 2 mg a week.");
        List<Integer> pagesReported = new ArrayList<>();
        ExtractedDocument document = new TikaTextExtractor(1_000_000)
                .extract(Files.write(dir.resolve("report"), pdf), "report.pdf", Duration.ofSeconds(30), pagesReported::add);

        assertThat(document.text()).contains("[Page 2]\n\nThis is page 2 of the report.\n\n"
                + "[Embedded file: notes.txt]\n\nCalibration notes: the balance drifts 2 mg a week.\n\n"
                + "[End of embedded file: notes.txt]\n\n[Page 3]\n\nThis is page 3 of the report.");
        assertThat(document.text()).doesNotContain("photo.png", "[Page 4]");
        assertThat(document.pageCount()).isEqualTo(3);
        assertThat(pagesReported).containsExactly(1, 2, 3);
    }

    @Test
    void sectionsGoAfterThePageOfTheirMarkerOrAtTheEnd() {
        EmbeddedSections sections = new EmbeddedSections();
        String text = "[Page 1]\n\none\n\n[Page 2]\n\ntwo\n\n";
        sections.markerSeen("slide1_rId3", 1);
        sections.add("slide1_rId3", 2, "book.xlsx", "# Sheet1");
        sections.add(null, 0, "loose.txt", "loose");
        sections.add("unknown", 2, "late.pdf", "late");
        assertThat(sections.placeInto(text, List.of(0, 15)).replaceAll("\n{3,}", "\n\n")).isEqualTo(
                "[Page 1]\n\none\n\n[Embedded file: book.xlsx]\n\n# Sheet1\n\n[End of embedded file: book.xlsx]\n\n"
                        + "[Page 2]\n\ntwo\n\n[Embedded file: late.pdf]\n\nlate\n\n[End of embedded file: late.pdf]\n\n"
                        + "[Embedded file: loose.txt]\n\nloose\n\n[End of embedded file: loose.txt]\n\n");
    }
}
