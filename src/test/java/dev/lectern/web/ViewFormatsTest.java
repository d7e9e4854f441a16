package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ViewFormatsTest {

    private final ViewFormats formats = new ViewFormats();

    @Test
    void bytesUseTheLargestUnitBelow1024WithOneDecimalUnderTen() {
        assertThat(formats.bytes(0)).isEqualTo("0 B");
        assertThat(formats.bytes(1023)).isEqualTo("1023 B");
        assertThat(formats.bytes(1536)).isEqualTo("1.5 KB");
        assertThat(formats.bytes(200L * 1024 * 1024)).isEqualTo("200 MB");
        assertThat(formats.bytes(4L << 30)).isEqualTo("4.0 GB");
        assertThat(formats.bytes(3L << 40)).isEqualTo("3.0 TB");
    }

    @Test
    void numbersGetThousandsSeparators() {
        assertThat(formats.number(32768)).isEqualTo("32,768");
    }
}
