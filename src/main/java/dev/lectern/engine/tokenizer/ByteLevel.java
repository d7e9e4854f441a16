package dev.lectern.engine.tokenizer;

/**
 * GPT-2's byte-level alphabet: each of the 256 byte values is spelled as one printable character, so
 * that BPE can work on text while covering every byte sequence. Printable Latin-1 bytes ('!'..'~',
 * '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) are
 * moved, in byte order, to U+0100 onwards, which is why a space appears as 'Ġ' (U+0120) and a newline
 * as 'Ċ' (U+010A) in the vocabulary.
 */
final class ByteLevel {

    /** All mapped characters lie below this code point (U+0100 + 68). */
    static final int ALPHABET_LIMIT = 0x100 + 68;

    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final short[] BYTE_OF_CHAR = new short[ALPHABET_LIMIT];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, (short) -1);
        int moved = 0;
        for (int b = 0; b < 256; b++) {
            boolean standsForItself = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (standsForItself ? b : 0x100 + moved++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = (short) b;
        }
    }

    private ByteLevel() {
    }

    static char charOf(int unsignedByte) {
        return CHAR_OF_BYTE[unsignedByte];
    }

    /** The byte a character of the alphabet stands for, or -1 if it is not in the alphabet. */
    static int byteOf(char c) {
        return c < ALPHABET_LIMIT ? BYTE_OF_CHAR[c] : -1;
    }
}
