package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** GPT-2's bytes_to_unicode table, as token texts spell bytes. */
class ByteLevelTokenAlphabetTest {

    @Test
    void printableBytesStandForThemselvesAndTheOthersMoveAboveU0100InByteOrder() {
        assertThat(ByteLevel.charOf('!')).isEqualTo('!');
        assertThat(ByteLevel.charOf('~')).isEqualTo('~');
        assertThat(ByteLevel.charOf(0xA1)).isEqualTo('¡');
        assertThat(ByteLevel.charOf(0xFF)).isEqualTo('ÿ');
        assertThat(ByteLevel.charOf(0x00)).isEqualTo('\u0100');
        assertThat(ByteLevel.charOf('\n')).isEqualTo('Ċ');
        assertThat(ByteLevel.charOf(' ')).isEqualTo('Ġ');
        assertThat(ByteLevel.charOf(0x7F)).isEqualTo('\u0121');
        assertThat(ByteLevel.charOf(0xA0)).isEqualTo('\u0142');
        assertThat(ByteLevel.charOf(0xAD)).isEqualTo('\u0143');
    }

    @Test
    void theMappingIsABijectionOnAllBytes() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            assertThat(seen.add(c)).as("byte %02x maps to a fresh character", b).isTrue();
            assertThat(ByteLevel.byteOf(c)).isEqualTo(b);
        }
        assertThat(ByteLevel.byteOf('\u0144')).isEqualTo(-1);
        assertThat(ByteLevel.byteOf(' ')).isEqualTo(-1);
        assertThat(ByteLevel.byteOf('中')).isEqualTo(-1);
    }
}
