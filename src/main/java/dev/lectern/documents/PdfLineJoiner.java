package dev.lectern.documents;

import java.util.regex.Pattern;

/**
 * Puts the lines of a PDF paragraph back together. A PDF records lines, not paragraphs: PDFBox groups
 * them into paragraphs and Tika reports each line end inside one, and simply dropping those line ends
 * glued the last word of every line to the first of the next ({@code informationis}, {@code ed.The}),
 * which tokenizes into nonsense and hides the words from the model.
 *
 * <p>A line end becomes a space where the line is full, because only a full line was wrapped by the
 * layout; a line clearly shorter than the paragraph's longest was ended on purpose (a heading run into
 * its paragraph, the last line before a list, verse, an address, code), so its line break stays. A line
 * that starts with a bullet starts a list item, and so does a line that starts with an enumerator
 * ({@code 1.}, {@code (a)}) in a paragraph with at least two of them. Characters are only a proxy for width in proportional fonts, hence a
 * generous threshold. Chinese and Japanese lines join without a space.
 *
 * <p>A word hyphenated at a line end ({@code hyphen-}/{@code ated}) cannot be decided from the paragraph
 * alone ({@code well-}/{@code known} keeps its hyphen): it is left as the hyphen followed by
 * {@link #HYPHEN_BREAK}, for {@link Dehyphenator} to settle once the whole document's words are known.
 */
final class PdfLineJoiner {

    /**
     * Follows a hyphen that ended a line. U+FFFF is not a character XML can carry, so it never comes out
     * of a Tika parse and cannot be confused with the document's own text.
     */
    static final char HYPHEN_BREAK = '\uFFFF';

    /** A line at least this share of the paragraph's longest line counts as full. */
    private static final double FULL_LINE = 0.7;
    /**
     * Lines all shorter than this were not wrapped: even a newspaper column holds more. A timetable, an
     * address or verse of even lines keeps its line breaks.
     */
    private static final int NARROWEST_PROSE = 30;

    private static final Pattern BULLET = Pattern.compile("^[•◦▪▫‣∙·●○■□►▶➢✓✔*–—-]\\s.*");
    /** "1.", "1.2", "(a)", "iv.", "§": a bare number is left out, as prose lines often start with one. */
    private static final Pattern ENUMERATOR = Pattern.compile(
            "^(?:\\d{1,4}(?:\\.\\d{1,4})*\\.|\\d{1,4}(?:\\.\\d{1,4})+|\\(\\w{1,4}\\)|\\w{1,3}\\)|[a-zA-Z]\\.|[ivxIVX]{1,5}\\.|§+)\\s.*");

    private PdfLineJoiner() {
    }

    /** The paragraph's lines ({@code \n}-separated, no blank lines) as running text where they were wrapped. */
    static String join(String paragraph) {
        String[] lines = paragraph.split("\n");
        if (lines.length == 1) {
            return paragraph;
        }
        int longest = 0;
        int enumerated = 0;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = lines[i].strip();
            longest = Math.max(longest, width(lines[i]));
            if (ENUMERATOR.matcher(lines[i]).matches()) {
                enumerated++;
            }
        }
        // Two numbered lines make a list: each of its items starts a line, wrapped items or not.
        boolean list = enumerated >= 2;
        StringBuilder joined = new StringBuilder(paragraph.length());
        joined.append(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            String previous = lines[i - 1];
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            if (endsWithHyphenatedWord(previous) && startsLowercase(line)) {
                joined.append(HYPHEN_BREAK).append(line);
            } else if (previous.endsWith("\u00AD")) {
                // A soft hyphen marks a place the word could be broken, and this is one.
                joined.setLength(joined.length() - 1);
                joined.append(line);
            } else if (keepsBreak(previous, line, longest, list)) {
                joined.append('\n').append(line);
            } else if (isCjk(previous.codePointBefore(previous.length())) && isCjk(line.codePointAt(0))) {
                // Chinese and Japanese put no space between words, so none at a line end either.
                joined.append(line);
            } else {
                joined.append(' ').append(line);
            }
        }
        return joined.toString();
    }

    private static boolean keepsBreak(String previous, String line, int longest, boolean list) {
        return longest < NARROWEST_PROSE || width(previous) < FULL_LINE * longest || BULLET.matcher(line).matches()
                || list && ENUMERATOR.matcher(line).matches();
    }

    /** "...informa-": a letter, then a hyphen that ends the line (not a dash standing alone). */
    private static boolean endsWithHyphenatedWord(String line) {
        int length = line.length();
        return length >= 3 && (line.charAt(length - 1) == '-' || line.charAt(length - 1) == '\u2010')
                && Character.isLetter(line.charAt(length - 2));
    }

    /** A line's width in Latin characters: a Chinese or Japanese character is about two wide. */
    private static int width(String line) {
        return line.codePoints().map(c -> isCjk(c) ? 2 : 1).sum();
    }

    private static boolean isCjk(int codePoint) {
        Character.UnicodeScript script = Character.UnicodeScript.of(codePoint);
        if (script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA) {
            return true;
        }
        Character.UnicodeBlock block = Character.UnicodeBlock.of(codePoint);
        return block == Character.UnicodeBlock.CJK_SYMBOLS_AND_PUNCTUATION
                || block == Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS;
    }

    private static boolean startsLowercase(String line) {
        return Character.isLowerCase(line.codePointAt(0));
    }
}
