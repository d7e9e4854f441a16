package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Garbage as real parsers produce it (a double-byte encoding read as Latin-1, replacement characters,
 * private-use and control codes) must be refused; real text in many scripts, math and code must not.
 */
class TextQualityCheckTest {

    private static final String CHINESE = "孙子曰：兵者，国之大事，死生之地，存亡之道，不可不察也。故经之以五事，校之以计，而索其情：一曰道，二曰天，三曰地，四曰将，五曰法。";
    private static final String ENGLISH = "The committee reviewed every threshold and recorded its reasons in detail, "
            + "then asked the secretariat to publish the figures before the end of the month.";
    private static final String FRENCH = "Il y avait en Westphalie, dans le château de monsieur le baron de "
            + "Thunder-ten-tronckh, un jeune garçon à qui la nature avait donné les mœurs les plus douces. Sa "
            + "physionomie annonçait son âme ; il avait le jugement assez droit, avec l'esprit le plus simple.";
    private static final String GERMAN = "Größere Änderungen müssen vorher schriftlich beantragt werden; über die "
            + "Zulässigkeit entscheidet der Ausschuß binnen vierzehn Tagen.";
    private static final String ICELANDIC = "Á Íslandi búa um 380 þúsund manns. Þjóðin talar íslensku, sem er "
            + "norrænt mál náskylt færeysku. Þú átt að sjá það í ár, ég veit það.";
    private static final String PORTUGUESE = "As informações e as condições da operação não serão alteradas; "
            + "a decisão e a execução dependem da aprovação da comissão.";
    private static final String SPANISH = "¿Dónde está la estación? ¡Qué lástima! El niño comió piña y jamón en "
            + "la montaña.";
    private static final String VIETNAMESE = "Tiếng Việt là ngôn ngữ chính thức của Việt Nam, được sử dụng bởi "
            + "khoảng một trăm triệu người trên toàn thế giới.";
    private static final String RUSSIAN = "Все счастливые семьи похожи друг на друга, каждая несчастливая семья "
            + "несчастлива по-своему. Всё смешалось в доме Облонских.";
    private static final String GREEK = "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν. Η ελληνική γλώσσα "
            + "ανήκει στην ινδοευρωπαϊκή οικογένεια.";
    private static final String JAPANESE = "羅生門が、朱雀大路にある以上は、この男のほかにも、雨やみをする市女笠や揉烏帽子が、もう二三人はありそうなものである。";
    private static final String KOREAN = "대한민국의 수도는 서울특별시이며, 국어는 한국어이고 문자는 한글을 사용한다.";
    private static final String ARABIC = "اللغة العربية هي أكثر اللغات السامية تحدثًا، وإحدى أكثر اللغات انتشارًا في العالم.";
    private static final String HINDI = "हिन्दी विश्व की एक प्रमुख भाषा है एवं भारत की राजभाषा है।";
    private static final String MATH = "Let x² + y² = r², so r = √(x² + y²) ± ε with ε ≤ ½·10⁻³. For all "
            + "∀ε > 0 ∃δ: |f(x) − f(a)| < ε; the angle is 90°, µ = 4π × 10⁻⁷ H·m⁻¹, and a ÷ b ≈ ¼ ¾ ∑ᵢ aᵢ.";
    private static final String CODE = """
            public static int gcd(int a, int b) {
                while (b != 0) { int t = a % b; a = b; b = t; } // Euclid
                return Math.abs(a) >= 0 ? a : -a;
            }
            """;

    @Test
    void realTextInManyScriptsIsReadable() {
        for (String text : new String[] {ENGLISH, FRENCH, GERMAN, ICELANDIC, PORTUGUESE, SPANISH, VIETNAMESE,
                RUSSIAN, GREEK, CHINESE, JAPANESE, KOREAN, ARABIC, HINDI, MATH, CODE}) {
            TextQualityCheck.Verdict verdict = TextQualityCheck.of(text);
            assertThat(verdict.characters()).as(text).isGreaterThanOrEqualTo(TextQualityCheck.MIN_CHARACTERS);
            assertThat(verdict.readable()).as(text).isTrue();
            assertThat(verdict.undecodableShare()).as(text).isLessThan(0.1);
        }
    }

    @Test
    void textDenseInLatinOneLettersAndSymbolsIsReadable() {
        String dense = "Þú átt það. Æð í ár. Ó, é á ís. ± 5 °C × 2 ÷ 3 = ½ ¼ ¾ µg. «Oui», dit-il. Öl, Äpfel.";
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(dense);
        assertThat(verdict.readable()).isTrue();
        assertThat(verdict.undecodableShare()).isLessThan(0.3);
    }

    @Test
    void markdownTableAndPageMarkersAreReadable() {
        String text = "[Page 1]\n\n| Pollutant | Air (kg/year) |\n| --- | --- |\n| Methane | 100 000 |\n\n[Page 2]\n\n" + ENGLISH;
        assertThat(TextQualityCheck.of(text).readable()).isTrue();
    }

    /** XiaoBiaoSong.pdf's failure: GBK bytes read through WinAnsi, each Chinese character a Latin-1 pair. */
    @Test
    void chineseInGbkReadAsLatinOneIsGarbage() {
        String soup = misread(CHINESE, "GBK");
        assertThat(soup).startsWith("Ëï×ÓÔ»");
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(soup);
        assertThat(verdict.readable()).isFalse();
        assertThat(verdict.undecodableShare()).isGreaterThan(0.9);
        assertThat(verdict.sample()).startsWith("Ëï×ÓÔ»");
    }

    /** PDFBox spaces the characters out when each is drawn on its own, as XiaoBiaoSong.pdf does. */
    @Test
    void spacedOutGbkPairsAreGarbageToo() {
        String spaced = CHINESE.codePoints().mapToObj(Character::toString).map(c -> misread(c, "GBK"))
                .collect(Collectors.joining(" ", "[Page 1]\n\n", "\n"));
        assertThat(TextQualityCheck.of(spaced).readable()).isFalse();
    }

    @Test
    void russianInWindows1251ReadAsLatinOneIsGarbage() {
        assertThat(TextQualityCheck.of(misread(RUSSIAN, "windows-1251")).readable()).isFalse();
    }

    @Test
    void replacementCharactersAreGarbage() {
        String text = IntStream.range(0, 40).mapToObj(i -> "\uFFFD\uFFFD\uFFFD").collect(Collectors.joining(" "));
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(text);
        assertThat(verdict.readable()).isFalse();
        assertThat(verdict.percent()).isEqualTo("100 %");
    }

    /** Symbol fonts map their glyphs into the private use area (U+F020–U+F0FF). */
    @Test
    void privateUseCodePointsAreGarbage() {
        String text = IntStream.range(0, 60).mapToObj(i -> Character.toString(0xF041 + i % 26) + (i % 5 == 4 ? " " : ""))
                .collect(Collectors.joining());
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(text);
        assertThat(verdict.readable()).isFalse();
        assertThat(verdict.sample()).startsWith("\uFFFD").doesNotContain("\uF041");
    }

    /** Type 3 fonts with made-up glyph names come out as their raw codes, mostly below U+0020. */
    @Test
    void controlCharactersAreGarbage() {
        String text = IntStream.range(0, 60).mapToObj(i -> Character.toString(1 + i % 8) + (i % 6 == 5 ? " " : ""))
                .collect(Collectors.joining());
        assertThat(TextQualityCheck.of(text).readable()).isFalse();
    }

    /** Two garbage pages among ten: the rest is worth reading, so the document passes. */
    @Test
    void aFewGarbagePagesInAReadableDocumentPass() {
        StringBuilder text = new StringBuilder();
        for (int page = 1; page <= 10; page++) {
            text.append("[Page ").append(page).append("]\n\n")
                    .append(page <= 2 ? misread(CHINESE, "GBK") : ENGLISH).append("\n\n");
        }
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(text.toString());
        assertThat(verdict.undecodableShare()).isBetween(0.1, 0.5);
        assertThat(verdict.readable()).isTrue();
    }

    /** Two dense pages of garbage among eight short readable ones: most characters, few pages. */
    @Test
    void garbageOnAFewPagesPassesEvenWhenItHoldsMostOfTheCharacters() {
        StringBuilder text = new StringBuilder();
        for (int page = 1; page <= 10; page++) {
            text.append("[Page ").append(page).append("]\n\n")
                    .append(page <= 2 ? misread(CHINESE.repeat(4), "GBK") : "This is page " + page + ".").append("\n\n");
        }
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(text.toString());
        assertThat(verdict.undecodableShare()).isGreaterThan(0.5);
        assertThat(verdict.pages()).isEqualTo(10);
        assertThat(verdict.undecodablePages()).isEqualTo(2);
        assertThat(verdict.readable()).isTrue();
    }

    @Test
    void mostlyGarbagePagesFailTheDocument() {
        StringBuilder text = new StringBuilder();
        for (int page = 1; page <= 10; page++) {
            text.append("[Page ").append(page).append("]\n\n")
                    .append(page <= 8 ? misread(CHINESE, "GBK") : ENGLISH).append("\n\n");
        }
        assertThat(TextQualityCheck.of(text.toString()).readable()).isFalse();
    }

    @Test
    void pageMarkersAreNotCountedAsText() {
        String text = "[Page 1]\n\n" + misread("孙子曰", "GBK") + "\n\n[Page 2]\n\n" + misread("兵者国", "GBK");
        TextQualityCheck.Verdict verdict = TextQualityCheck.of(text);
        assertThat(verdict.characters()).isEqualTo(12);
        assertThat(verdict.undecodable()).isEqualTo(12);
        assertThat(verdict.pages()).isEqualTo(2);
        assertThat(verdict.undecodablePages()).isEqualTo(2);
    }

    @Test
    void tooLittleTextToJudgePasses() {
        assertThat(TextQualityCheck.of(misread("孙子曰", "GBK")).readable()).isTrue();
    }

    private static String misread(String text, String charset) {
        return new String(text.getBytes(Charset.forName(charset)), StandardCharsets.ISO_8859_1);
    }
}
