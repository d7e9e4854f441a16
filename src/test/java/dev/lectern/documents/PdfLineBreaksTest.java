package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line ends inside PDF paragraphs, through Tika and PDFBox, on PDFs made here. */
class PdfLineBreaksTest {

    private static final List<String> LEFT_COLUMN = List.of(
            "Samples are kept in the locked grey",
            "cabinet in room 12, shelf 3. The key is",
            "kept at the reception desk, box 37. A",
            "well-known rule applies: every hyphen-",
            "ated label is checked against the infor-",
            "mation sheet. Hyphenated labels are",
            "checked again by a second and well-",
            "known method before any sample is used.");
    private static final List<String> RIGHT_COLUMN = List.of(
            "Opening hours of the lab:",
            "Monday 8 to 12",
            "Tuesday 8 to 16",
            "Friday closed");

    @TempDir
    Path dir;

    @Test
    void wrappedLinesOfATwoColumnPageBecomeRunningTextAndShortLinesKeepTheirBreaks() throws Exception {
        String text = extract(Fixtures.twoColumnPdf(LEFT_COLUMN, RIGHT_COLUMN));

        assertThat(text).contains("Samples are kept in the locked grey cabinet in room 12, shelf 3. The key is kept at "
                + "the reception desk, box 37. A well-known rule applies: every hyphenated label is checked against the "
                + "information sheet. Hyphenated labels are checked again by a second and well-known method before any "
                + "sample is used.");
        assertThat(text).contains("Opening hours of the lab:\nMonday 8 to 12\nTuesday 8 to 16\nFriday closed");
        assertThat(text.indexOf("Samples")).isLessThan(text.indexOf("Opening hours"));
        assertThat(text).doesNotContain("greycabinet", "37.A", "hyphen-ated", "infor-mation", "\uFFFF");
    }

    private String extract(byte[] pdf) throws Exception {
        Path file = Files.write(dir.resolve("columns"), pdf);
        return new TikaTextExtractor(1_000_000).extract(file, "columns.pdf", Duration.ofSeconds(30), page -> { }).text();
    }
}
