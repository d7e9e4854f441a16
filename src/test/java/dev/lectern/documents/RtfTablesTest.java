package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RTF tables come out as Markdown tables, rebuilt from the cell and row ends RTF records. */
class RtfTablesTest {

    @TempDir
    Path dir;

    @Test
    void aTableIsOneMarkdownTableBetweenItsParagraphs() throws Exception {
        String rtf = """
                {\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}
                \\pard Thresholds by medium.\\par
                \\trowd\\cellx2000\\cellx4000\\cellx6000
                \\pard\\intbl Medium\\cell Threshold\\cell Unit\\cell\\row
                \\trowd\\cellx2000\\cellx4000\\cellx6000
                \\pard\\intbl Air\\cell 100\\cell kg\\cell\\row
                \\trowd\\cellx2000\\cellx4000\\cellx6000
                \\pard\\intbl Water, first line\\par second line\\cell\\cell g\\cell\\row
                \\pard After the table, a backslash as text: \\\\cell stays.\\par
                }
                """;
        String text = extract(rtf);
        assertThat(text).isEqualTo("""
                Thresholds by medium.

                | Medium | Threshold | Unit |
                | --- | --- | --- |
                | Air | 100 | kg |
                | Water, first line second line | | g |

                After the table, a backslash as text: \\cell stays.""");
    }

    @Test
    void rtfWithoutTablesIsUntouched() throws Exception {
        assertThat(extract("{\\rtf1\\ansi {\\fonttbl {\\f0 Times;}}\\pard One.\\par\\pard Two.\\par}"))
                .isEqualTo("One.\n\nTwo.");
    }

    private String extract(String rtf) throws Exception {
        Path file = dir.resolve("table.rtf");
        Files.writeString(file, rtf, StandardCharsets.US_ASCII);
        return new TikaTextExtractor(1_000_000).extract(file, "table.rtf", Duration.ofSeconds(30), page -> { }).text();
    }
}
