package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTML that declares no charset, as saved web pages often do: the bytes must decide. */
class HtmlCharsetTest {

    /** Plenty of ASCII before the first accent, like a saved Wikipedia page: a detector reading the start sees none. */
    private static final String ASCII_PREAMBLE = "<p>" + "Films in which a character relives the same period of time. "
            .repeat(400) + "</p>";

    @TempDir
    Path dir;

    @Test
    void utf8WithoutMetaIsReadAsUtf8EvenWhenTheFirstAccentComesLate() throws Exception {
        String body = "<p>La Fémis, Gödel, naïve café, 東京, €5.</p>";
        String text = extract(page(ASCII_PREAMBLE + body), "UTF-8");
        assertThat(text).contains("La Fémis, Gödel, naïve café, 東京, €5.").doesNotContain("Ã", "\uFFFD");
    }

    @Test
    void cp1252WithoutMetaKeepsItsAccentsAndEuroSign() throws Exception {
        String body = "<p>Il y avait en Westphalie, dans le château de monsieur le baron, un jeune garçon à qui la "
                + "nature avait donné les mœurs les plus douces. Sa physionomie annonçait son âme ; le billet coûtait "
                + "5 € à l'époque, et « Candide » était déjà célèbre.</p>";
        String text = extract(page(body.repeat(3)), "windows-1252");
        assertThat(text).contains("château", "garçon", "mœurs", "5 € à l'époque", "« Candide »").doesNotContain("\uFFFD");
    }

    @Test
    void shiftJisWithoutMetaIsReadAsJapanese() throws Exception {
        String body = "<p>ある日の暮方の事である。一人の下人が、羅生門の下で雨やみを待っていた。広い門の下には、この男の外に誰もいない。"
                + "ただ、所々丹塗の剥げた、大きな円柱に、蟋蟀が一匹とまっている。</p>";
        String text = extract(page(body.repeat(3)), "Shift_JIS");
        assertThat(text).contains("羅生門の下で雨やみを待っていた。").doesNotContain("\uFFFD");
    }

    private static String page(String body) {
        return "<html><head><title>Test page</title></head><body><h1>Test page</h1>" + body + "</body></html>";
    }

    private String extract(String html, String charset) throws Exception {
        Path file = Files.write(dir.resolve("page"), html.getBytes(Charset.forName(charset)));
        return new TikaTextExtractor(1_000_000).extract(file, "page.html", Duration.ofSeconds(30), page -> { }).text();
    }
}
