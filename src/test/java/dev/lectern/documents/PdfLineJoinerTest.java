package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PdfLineJoinerTest {

    @Test
    void fullLinesAreJoinedWithASpace() {
        assertThat(PdfLineJoiner.join("""
                Dynamic languages such as JavaScript are more
                difficult to compile than statically typed ones, as
                no concrete type information is available.""")).isEqualTo("Dynamic languages such as JavaScript are more "
                + "difficult to compile than statically typed ones, as no concrete type information is available.");
    }

    @Test
    void aShortLineKeepsItsBreak() {
        assertThat(PdfLineJoiner.join("""
                Abstract
                Dynamic languages such as JavaScript are more
                difficult to compile than statically typed ones.
                PLDI'09, June 15-20, 2009.
                Copyright 2009 ACM 978-1-60558-392-1/09/06.""")).isEqualTo("Abstract\nDynamic languages such as "
                + "JavaScript are more difficult to compile than statically typed ones. PLDI'09, June 15-20, 2009.\n"
                + "Copyright 2009 ACM 978-1-60558-392-1/09/06.");
    }

    @Test
    void bulletsAndNumberedItemsStartTheirOwnLines() {
        assertThat(PdfLineJoiner.join("""
                The cabinet holds the following samples, in order of age:
                • river water from the northern sampling station
                • soil from the field behind the laboratory building""")).isEqualTo("The cabinet holds the following "
                + "samples, in order of age:\n• river water from the northern sampling station\n• soil from the field "
                + "behind the laboratory building");
        assertThat(PdfLineJoiner.join("""
                (31) Ketobemidone, a compound that is listed here with a
                long description that wraps onto a second line
                (32) Levomoramide, a compound with a description as long""")).isEqualTo("(31) Ketobemidone, a compound "
                + "that is listed here with a long description that wraps onto a second line\n(32) Levomoramide, a compound "
                + "with a description as long");
    }

    @Test
    void evenShortLinesAreNotProse() {
        assertThat(PdfLineJoiner.join("Opening hours:\nMonday 8 to 12\nFriday closed"))
                .isEqualTo("Opening hours:\nMonday 8 to 12\nFriday closed");
    }

    @Test
    void aHyphenAtALineEndIsMarkedForTheDehyphenatorAndASoftHyphenJoins() {
        assertThat(PdfLineJoiner.join("a long line of prose that ends in a hyphen-\nated word and some more"))
                .isEqualTo("a long line of prose that ends in a hyphen-" + PdfLineJoiner.HYPHEN_BREAK + "ated word and some more");
        assertThat(PdfLineJoiner.join("a long line of prose that ends in a soft hyph\u00AD\nenated word and more"))
                .isEqualTo("a long line of prose that ends in a soft hyphenated word and more");
        assertThat(PdfLineJoiner.join("a long line of prose that ends in a dash and a name -\nBoston is next"))
                .isEqualTo("a long line of prose that ends in a dash and a name - Boston is next");
    }

    @Test
    void japaneseLinesJoinWithoutASpace() {
        assertThat(PdfLineJoiner.join("工具を用いずに電線の接続を行うことがで\nきる速結端子又はスプリング式"))
                .isEqualTo("工具を用いずに電線の接続を行うことができる速結端子又はスプリング式");
    }
}
