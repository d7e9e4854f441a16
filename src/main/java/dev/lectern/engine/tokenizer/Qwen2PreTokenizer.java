package dev.lectern.engine.tokenizer;

/**
 * Splits text into the pieces BPE works on, as llama.cpp does for {@code tokenizer.ggml.pre = "qwen2"}
 * (llama-vocab.cpp, {@code LLAMA_VOCAB_PRE_TYPE_QWEN2}). The pieces are the matches of
 * <pre>
 * (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])
 * |[^\r\n\p{L}\p{N}]?\p{L}+
 * |\p{N}
 * | ?[^\s\p{L}\p{N}]+[\r\n]*
 * |\s*[\r\n]+
 * |\s+(?!\S)
 * |\s+
 * </pre>
 * tried in that order at each position. It is written out as a scanner rather than run through
 * java.util.regex for two reasons: speed (this sits on the path of every uploaded document), and control
 * over the character classes. Letters and numbers are the Unicode general categories L* and N*, as in
 * llama.cpp's tables; whitespace is the Unicode White_Space property, which is what llama.cpp's
 * {@code \s} means (its table comes from Python's {@code regex} module) and neither Java's
 * {@link Character#isWhitespace} (which adds U+001C..U+001F and drops no-break spaces) nor plain
 * java.util.regex {@code \s} (ASCII only).
 * <p>
 * Numbers become one piece per digit; that is the difference from the llama3 expression ({@code \p{N}{1,3}}).
 */
final class Qwen2PreTokenizer {

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;

    /** Classes of the Basic Multilingual Plane, where nearly all text lives; 64 KiB, built once. */
    private static final byte[] BMP_CLASS = new byte[0x10000];

    static {
        for (int cp = 0; cp < BMP_CLASS.length; cp++) {
            BMP_CLASS[cp] = classify(cp);
        }
    }

    private Qwen2PreTokenizer() {
    }

    /**
     * Appends to {@code ends} the end index (exclusive, in chars of {@code text}) of each piece of
     * {@code text[from, to)}; the first piece starts at {@code from}.
     */
    static void split(String text, int from, int to, IntList ends) {
        int pos = from;
        while (pos < to) {
            int end = pieceEnd(text, pos, to);
            ends.add(end);
            pos = end;
        }
    }

    /** The end of the piece that starts at {@code pos}; always greater than {@code pos}. */
    static int pieceEnd(String text, int pos, int to) {
        char c = text.charAt(pos);

        // 's 't 're 've 'm 'll 'd, either case.
        if (c == '\'' && pos + 1 < to) {
            char c1 = asciiLower(text.charAt(pos + 1));
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return pos + 2;
            }
            if (pos + 2 < to) {
                char c2 = asciiLower(text.charAt(pos + 2));
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    return pos + 3;
                }
            }
        }

        int cp = codePointAt(text, pos, to);
        int next = pos + Character.charCount(cp);
        byte cls = classOf(cp);

        // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, with at most one non-letter, non-digit character before it.
        if (c != '\r' && c != '\n' && cls != NUMBER) {
            if (cls == LETTER || (next < to && classAt(text, next, to) == LETTER)) {
                int p = next;
                while (p < to) {
                    int q = codePointAt(text, p, to);
                    if (classOf(q) != LETTER) {
                        break;
                    }
                    p += Character.charCount(q);
                }
                return p;
            }
        }

        // \p{N}: one digit (or other number character) per piece.
        if (cls == NUMBER) {
            return next;
        }

        //  ?[^\s\p{L}\p{N}]+[\r\n]* : punctuation and symbols, optionally after one space, with the newlines that follow.
        int start = c == ' ' && next < to ? next : pos;
        if (classAt(text, start, to) == OTHER) {
            int p = start;
            while (p < to) {
                int q = codePointAt(text, p, to);
                if (classOf(q) != OTHER) {
                    break;
                }
                p += Character.charCount(q);
            }
            while (p < to && (text.charAt(p) == '\r' || text.charAt(p) == '\n')) {
                p++;
            }
            return p;
        }

        if (cls == SPACE) {
            // Every White_Space character is in the BMP, so one char is one character here.
            int p = pos;
            int afterLastNewline = -1;
            while (p < to && BMP_CLASS[text.charAt(p)] == SPACE) {
                char w = text.charAt(p);
                p++;
                if (w == '\r' || w == '\n') {
                    afterLastNewline = p;
                }
            }
            if (afterLastNewline >= 0) {
                return afterLastNewline;            // \s*[\r\n]+
            }
            if (p - pos > 1 && p < to) {
                return p - 1;                       // \s+(?!\S): leave the last space to the word after it
            }
            return p;                               // \s+
        }

        return next;
    }

    private static byte classAt(String text, int pos, int to) {
        return classOf(codePointAt(text, pos, to));
    }

    private static int codePointAt(String text, int pos, int to) {
        char c = text.charAt(pos);
        if (Character.isHighSurrogate(c) && pos + 1 < to && Character.isLowSurrogate(text.charAt(pos + 1))) {
            return Character.toCodePoint(c, text.charAt(pos + 1));
        }
        return c;
    }

    private static byte classOf(int cp) {
        return cp < BMP_CLASS.length ? BMP_CLASS[cp] : classify(cp);
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    private static byte classify(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (PropList.txt). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
