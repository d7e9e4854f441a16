package dev.lectern.documents;

import java.util.regex.Matcher;

/**
 * Tells readable text from the garbage a parser returns "successfully" when it cannot map a file's
 * character codes to Unicode. The typical case is a PDF whose fonts carry no ToUnicode map: PDFBox then
 * reads each byte through the font's single-byte encoding, so a Chinese PDF set in a non-embedded GBK
 * font comes out as Latin-1 symbol soup ("Ä¿ ¡¡ Â¼" for 目录), one Latin-1 pair per Chinese character.
 * Other fonts give replacement characters (U+FFFD), private-use code points (symbol fonts) or control
 * characters (Type 3 fonts with made-up glyph names).
 *
 * <p>A character counts as undecodable when it is one of those, or when it is a Latin-1 letter or
 * symbol (U+00A1–U+00FF) next to another one. That neighbour rule is what separates soup from real
 * text: French, German, Icelandic or Portuguese put accented letters between plain ASCII ones ("été",
 * "Þjóð"; at most a pair, as in "ção"), and math puts ±, ×, ², ½ beside digits and letters, while
 * mojibake of a double-byte encoding is almost nothing but Latin-1 pairs. On the 22 real documents
 * of the shared sample corpus that yield text (ten formats; English, French, Japanese, Chinese) the
 * share is at most 0.2 %; on its PDF in a GBK font without ToUnicode (XiaoBiaoSong.pdf) it is 99 %.
 *
 * <p>A document is unreadable when more than half of its non-blank characters are undecodable and,
 * for paged text, more than half of its pages with text are (a page is when more than half of its
 * characters are). So a page or two of garbage (a logo font, a symbol table) in an otherwise readable
 * document passes even when those pages hold most of the characters: the model can still read the
 * rest. Page markers are not counted; texts under {@link #MIN_CHARACTERS} are too short to judge and
 * pass.
 */
final class TextQualityCheck {

    /** Above this share of undecodable characters a text (or a page of it) is garbage. */
    static final double UNDECODABLE_LIMIT = 0.5;
    static final int MIN_CHARACTERS = 20;
    private static final int SAMPLE_CODE_POINTS = 24;

    /**
     * @param characters       non-blank characters judged (page markers left out)
     * @param undecodable      how many of them are undecodable
     * @param pages            pages with any text (1 for text without page markers)
     * @param undecodablePages how many of those are mostly undecodable
     * @param sample           a printable stretch of text from the first undecodable character, for
     *                         messages; empty when there is none
     */
    record Verdict(int characters, int undecodable, int pages, int undecodablePages, String sample) {

        double undecodableShare() {
            return characters == 0 ? 0 : undecodable / (double) characters;
        }

        boolean readable() {
            return characters < MIN_CHARACTERS || undecodableShare() <= UNDECODABLE_LIMIT
                    || undecodablePages * 2 <= pages;
        }

        /** "99 %", rounded down so that a share just over the limit never reads as "50 %" or less. */
        String percent() {
            return (int) Math.floor(undecodableShare() * 100) + " %";
        }
    }

    private TextQualityCheck() {
    }

    static Verdict of(String text) {
        int characters = 0;
        int undecodable = 0;
        int pages = 0;
        int undecodablePages = 0;
        int firstUndecodable = -1;
        Matcher markers = StructuredTextHandler.PAGE_MARKER.matcher(text);
        for (int from = 0; from >= 0; ) {
            boolean marker = markers.find();
            int to = marker ? markers.start() : text.length();
            Count page = count(text, from, to);
            if (page.characters() > 0) {
                pages++;
                characters += page.characters();
                undecodable += page.undecodable();
                if (page.undecodable() > page.characters() * UNDECODABLE_LIMIT) {
                    undecodablePages++;
                }
                if (firstUndecodable < 0) {
                    firstUndecodable = page.firstUndecodable();
                }
            }
            from = marker ? markers.end() : -1;
        }
        return new Verdict(characters, undecodable, pages, undecodablePages,
                firstUndecodable < 0 ? "" : sample(text, firstUndecodable));
    }

    /** Non-blank characters in a stretch of text, how many are undecodable, and where the first is (or -1). */
    private record Count(int characters, int undecodable, int firstUndecodable) {
    }

    private static Count count(String text, int from, int to) {
        int characters = 0;
        int undecodable = 0;
        int first = -1;
        int previous = ' ';
        for (int i = from; i < to; ) {
            int c = text.codePointAt(i);
            int after = i + Character.charCount(c);
            int next = after < to ? text.codePointAt(after) : ' ';
            if (!isBlank(c)) {
                characters++;
                if (isUndecodable(c) || isLatin1Symbol(c) && (isLatin1Symbol(previous) || isLatin1Symbol(next))) {
                    undecodable++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            previous = c;
            i = after;
        }
        return new Count(characters, undecodable, first);
    }

    private static boolean isBlank(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean isUndecodable(int c) {
        if (c == 0xFFFD) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.PRIVATE_USE, Character.UNASSIGNED, Character.SURROGATE, Character.CONTROL -> true;
            default -> false;
        };
    }

    /** Latin-1 Supplement without its no-break space (U+00A0), which is blank. */
    private static boolean isLatin1Symbol(int c) {
        return c >= 0xA1 && c <= 0xFF;
    }

    /** Up to {@value #SAMPLE_CODE_POINTS} code points from {@code start}, on one line, invisible ones shown as U+FFFD. */
    private static String sample(String text, int start) {
        StringBuilder sample = new StringBuilder();
        for (int i = start, taken = 0; i < text.length() && taken < SAMPLE_CODE_POINTS; taken++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (isBlank(c)) {
                if (!sample.isEmpty() && sample.charAt(sample.length() - 1) != ' ') {
                    sample.append(' ');
                }
            } else {
                sample.appendCodePoint(isUndecodable(c) ? 0xFFFD : c);
            }
        }
        return sample.toString().strip();
    }
}
