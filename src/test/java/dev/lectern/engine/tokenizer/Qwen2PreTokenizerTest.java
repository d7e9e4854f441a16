package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Expected pieces worked out by hand from the qwen2 expression in llama-vocab.cpp, alternative by alternative. */
class Qwen2PreTokenizerTest {

    private static List<String> pieces(String text) {
        IntList ends = new IntList(8);
        Qwen2PreTokenizer.split(text, 0, text.length(), ends);
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            pieces.add(text.substring(start, ends.get(i)));
            start = ends.get(i);
        }
        return pieces;
    }

    @Test
    void wordsTakeOneLeadingSpaceOrPunctuationMark() {
        assertThat(pieces("Hello world")).containsExactly("Hello", " world");
        assertThat(pieces("hello, world!")).containsExactly("hello", ",", " world", "!");
        assertThat(pieces("(see)")).containsExactly("(see", ")");
        assertThat(pieces("\tindent")).containsExactly("\tindent");
    }

    @Test
    void digitsAreSplitOneByOne() {
        assertThat(pieces("12345")).containsExactly("1", "2", "3", "4", "5");
        assertThat(pieces("abc123def")).containsExactly("abc", "1", "2", "3", "def");
        assertThat(pieces("٣٤ ２０")).containsExactly("٣", "٤", " ", "２", "０");
        assertThat(pieces("x²½Ⅻ")).containsExactly("x", "²", "½", "Ⅻ");
    }

    @Test
    void contractionsAreTheirOwnPiecesInEitherCase() {
        assertThat(pieces("don't")).containsExactly("don", "'t");
        assertThat(pieces("THEY'RE")).containsExactly("THEY", "'RE");
        assertThat(pieces("we'Ll I'M")).containsExactly("we", "'Ll", " I", "'M");
        assertThat(pieces("'sup")).containsExactly("'s", "up");
        assertThat(pieces("'hello")).containsExactly("'hello");
    }

    @Test
    void aRunOfSpacesLeavesItsLastSpaceToTheNextWord() {
        assertThat(pieces("a    b")).containsExactly("a", "   ", " b");
        assertThat(pieces("a   ")).containsExactly("a", "   ");
        assertThat(pieces("a  1")).containsExactly("a", " ", " ", "1");
    }

    @Test
    void newlinesEndTheWhitespaceRunTheyAreIn() {
        assertThat(pieces("a\n\nb")).containsExactly("a", "\n\n", "b");
        assertThat(pieces("a \r\n  b")).containsExactly("a", " \r\n", " ", " b");
        assertThat(pieces("x\n \n y")).containsExactly("x", "\n \n", " y");
        assertThat(pieces("end.\n\nNext")).containsExactly("end", ".\n\n", "Next");
        assertThat(pieces("a\r\nb")).containsExactly("a", "\r\n", "b");
    }

    @Test
    void punctuationRunsKeepOneLeadingSpace() {
        assertThat(pieces("x ?!")).containsExactly("x", " ?!");
        assertThat(pieces("a  --> b")).containsExactly("a", " ", " -->", " b");
        assertThat(pieces("){\n")).containsExactly("){\n");
    }

    @Test
    void lettersOfEveryScriptFormRuns() {
        assertThat(pieces("你好世界")).containsExactly("你好世界");
        assertThat(pieces("안녕 하세요")).containsExactly("안녕", " 하세요");
        assertThat(pieces("Москва — столица")).containsExactly("Москва", " —", " столица");
        assertThat(pieces("𝐀𝐁c")).containsExactly("𝐀𝐁c");
    }

    @Test
    void emojiSequencesStayTogetherAsSymbols() {
        assertThat(pieces("👨‍👩‍👧 ok")).containsExactly("👨‍👩‍👧", " ok");
        assertThat(pieces("hi👍🏽")).containsExactly("hi", "👍🏽");
    }

    /**
     * Whitespace means Unicode White_Space, as in llama.cpp's tables: NEL and no-break spaces are
     * whitespace, the information separators U+001C..U+001F (whitespace to Character.isWhitespace) are not.
     */
    @Test
    void whitespaceIsTheUnicodeWhiteSpaceProperty() {
        assertThat(pieces("\u0085.")).containsExactly("\u0085", ".");
        assertThat(pieces("a\u00A0\u00A0b")).containsExactly("a", "\u00A0", "\u00A0b");
        assertThat(pieces("a\u3000\u3000\u3000")).containsExactly("a", "\u3000\u3000\u3000");
        assertThat(pieces("\u001C.")).containsExactly("\u001C.");
        assertThat(pieces("\u200B.")).containsExactly("\u200B.");
    }

    @Test
    void piecesCoverTheTextWithoutGapsOrOverlaps() {
        for (String text : MultilingualCorpus.generated(3, 40_000)) {
            assertThat(String.join("", pieces(text))).isEqualTo(text);
            assertThat(pieces(text)).doesNotContain("");
        }
    }
}
