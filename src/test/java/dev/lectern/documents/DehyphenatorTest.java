package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DehyphenatorTest {

    private static final String MARK = String.valueOf(PdfLineJoiner.HYPHEN_BREAK);

    @Test
    void aWordTheDocumentUsesWholeIsJoined() {
        assertThat(Dehyphenator.resolve("The compiler is fast. A com-" + MARK + "piler needs types."))
                .isEqualTo("The compiler is fast. A compiler needs types.");
    }

    @Test
    void aWordTheDocumentUsesHyphenatedKeepsItsHyphen() {
        assertThat(Dehyphenator.resolve("It is run-time work. At run-" + MARK + "time we check."))
                .isEqualTo("It is run-time work. At run-time we check.");
    }

    @Test
    void twoWordsOfTheDocumentMakeACompound() {
        assertThat(Dehyphenator.resolve("Well done, and known to all: a well-" + MARK + "known fact."))
                .isEqualTo("Well done, and known to all: a well-known fact.");
    }

    @Test
    void fragmentsThatAreNotWordsAreJoined() {
        assertThat(Dehyphenator.resolve("We store infor-" + MARK + "mation here.")).isEqualTo("We store information here.");
    }

    @Test
    void shortSyllablesAreNotTakenForACompound() {
        assertThat(Dehyphenator.resolve("To be the cause, be-" + MARK + "cause it is.")).isEqualTo("To be the cause, because it is.");
    }

    @Test
    void chemicalAndTechnicalNamesKeepTheirHyphens() {
        assertThat(Dehyphenator.resolve("5-hydroxy-N,N-" + MARK + "dimethyltryptamine and (6aR-" + MARK + "trans)"))
                .isEqualTo("5-hydroxy-N,N-dimethyltryptamine and (6aR-trans)");
    }

    @Test
    void aCompoundBrokenAtItsOwnHyphenKeepsIt() {
        assertThat(Dehyphenator.resolve("a state-of-the-" + MARK + "art method")).isEqualTo("a state-of-the-art method");
        assertThat(Dehyphenator.resolve("a narcotic, or a non-nar-" + MARK + "cotic one"))
                .isEqualTo("a narcotic, or a non-narcotic one");
    }

    @Test
    void aWordCutIntoTwoParagraphsIsMendedButRealParagraphsAreNot() {
        assertThat(Dehyphenator.resolve("Controlled Sub-\n\nstances Code.")).isEqualTo("Controlled Substances Code.");
        assertThat(Dehyphenator.resolve("The end.\n\nnext paragraph")).isEqualTo("The end.\n\nnext paragraph");
        assertThat(Dehyphenator.resolve("A list item -\n\nanother")).isEqualTo("A list item -\n\nanother");
    }
}
