package dev.lectern.documents;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides, for each word a PDF hyphenated at a line end, whether the hyphen was the typesetter's
 * ({@code infor-}/{@code mation} is {@code information}) or the author's ({@code well-}/{@code known}).
 * Without a dictionary, the document itself is the evidence, which also fits its jargon: the form it
 * uses elsewhere wins; failing that, two halves that are both words of the document keep their hyphen
 * (a compound), as does a compound broken at one of its hyphens; anything else is joined, since a typesetter's break leaves fragments ({@code tion},
 * {@code ated}) that are not words.
 *
 * <p>Reads the {@link PdfLineJoiner#HYPHEN_BREAK} marks within paragraphs, and also a hyphenated word
 * that PDFBox cut into two paragraphs (a letter, a hyphen, a blank line, a lowercase letter): no
 * paragraph ends in the middle of a word.
 */
final class Dehyphenator {

    private static final char MARK = PdfLineJoiner.HYPHEN_BREAK;
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{M}]+(?:[-\u2010][\\p{L}\\p{M}]+)*");
    private static final Pattern ACROSS_PARAGRAPHS = Pattern.compile("(?<=\\p{L}[-\u2010])\n\n(?=\\p{Ll})");
    /** The hyphenated word's first part (letters and inner hyphens), its hyphen, the mark, its second part. */
    private static final Pattern BREAK = Pattern.compile(
            "([\\p{L}\\p{M}]+(?:[-\u2010][\\p{L}\\p{M}]+)*)([-\u2010])" + MARK + "([\\p{L}\\p{M}]+(?:[-\u2010][\\p{L}\\p{M}]+)*)");
    /** Digits, commas, brackets or slashes inside a word: a chemical, code or identifier, not prose. */
    private static final Pattern TECHNICAL = Pattern.compile("[\\d,()\\[\\]{}/:;_=+<>]");
    private static final Pattern OUTER_PUNCTUATION = Pattern.compile("^[(\\[{\"'“‘]+|[)\\]}.,;:!?\"'”’]+$");

    private Dehyphenator() {
    }

    /** The text with every mark resolved: the word joined, or its hyphen kept, and no mark left. */
    static String resolve(String text) {
        String marked = ACROSS_PARAGRAPHS.matcher(text).replaceAll(String.valueOf(MARK));
        if (marked.indexOf(MARK) < 0) {
            return marked;
        }
        Map<String, Integer> words = vocabulary(marked);
        Matcher match = BREAK.matcher(marked);
        StringBuilder resolved = new StringBuilder(marked.length());
        while (match.find()) {
            String first = match.group(1);
            String second = match.group(3);
            String hyphen = joins(first, second, tokenAround(marked, match.start(), match.end()), words)
                    ? "" : match.group(2);
            match.appendReplacement(resolved, Matcher.quoteReplacement(first + hyphen + second));
        }
        match.appendTail(resolved);
        // A mark BREAK did not match (a hyphen after a lone letter, say) keeps its hyphen.
        return resolved.toString().replace(String.valueOf(MARK), "");
    }

    private static boolean joins(String first, String second, String token, Map<String, Integer> words) {
        int joined = count(words, first + second);
        int hyphenated = count(words, first + "-" + second);
        if (joined > 0 || hyphenated > 0) {
            return joined >= hyphenated;
        }
        int innerHyphen = Math.max(first.lastIndexOf('-'), first.lastIndexOf('\u2010'));
        String last = first.substring(innerHyphen + 1);
        if (innerHyphen >= 0 || second.indexOf('-') >= 0 || second.indexOf('\u2010') >= 0) {
            // A compound ("state-of-the-" + "art") broken at one of its own hyphens, unless the last
            // part's break is a word of the document ("non-nar-" + "cotic").
            return innerHyphen >= 0 && second.indexOf('-') < 0 && count(words, last + second) > 0;
        }
        if (last.length() == 1 || TECHNICAL.matcher(token).find()) {
            // "N-" + "methyl", "(6aR-" + "trans)": names whose hyphens are all meant.
            return false;
        }
        // Two words of the document, long enough not to be syllables ("be-" + "cause"): a compound.
        boolean compound = last.length() >= 3 && second.length() >= 3
                && count(words, last) > 0 && count(words, second) > 0;
        return !compound;
    }

    /** How often each word occurs whole, lowercased; the halves around a mark are not words and are left out. */
    private static Map<String, Integer> vocabulary(String marked) {
        Map<String, Integer> words = new HashMap<>();
        Matcher word = WORD.matcher(marked);
        while (word.find()) {
            int start = word.start();
            int end = word.end();
            boolean beforeMark = end + 1 < marked.length() && marked.charAt(end + 1) == MARK;
            boolean afterMark = start > 0 && marked.charAt(start - 1) == MARK;
            if (!beforeMark && !afterMark) {
                words.merge(normal(word.group()), 1, Integer::sum);
            }
        }
        return words;
    }

    /** The text between the white space on either side of a hyphenated word, less its outer punctuation. */
    private static String tokenAround(String text, int start, int end) {
        while (start > 0 && !Character.isWhitespace(text.charAt(start - 1))) {
            start--;
        }
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return OUTER_PUNCTUATION.matcher(text.substring(start, end)).replaceAll("");
    }

    private static int count(Map<String, Integer> words, String word) {
        return words.getOrDefault(normal(word), 0);
    }

    private static String normal(String word) {
        return word.replace('\u2010', '-').toLowerCase(Locale.ROOT);
    }
}
