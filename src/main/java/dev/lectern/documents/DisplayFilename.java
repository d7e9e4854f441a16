package dev.lectern.documents;

import java.text.Normalizer;

/**
 * Turns the filename a browser sent into a name that is only ever displayed: the last path segment
 * (browsers on Windows send {@code C:\Users\..\report.pdf}), no control or bidirectional-override
 * characters (which can disguise {@code exe.pdf} as {@code fdp.exe}), at most {@value #MAX_LENGTH}
 * characters. Angle brackets stay as typed: pages escape them when they render, and the API is JSON.
 * The result is never used as a path; stored files are named by their sha256.
 */
final class DisplayFilename {

    static final int MAX_LENGTH = 200;
    static final String UNNAMED = "unnamed";

    private DisplayFilename() {
    }

    static String of(String sent) {
        if (sent == null) {
            return UNNAMED;
        }
        String name = Normalizer.normalize(sent, Normalizer.Form.NFC);
        int lastSeparator = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        name = name.substring(lastSeparator + 1);
        StringBuilder clean = new StringBuilder(Math.min(name.length(), MAX_LENGTH));
        name.codePoints()
                .filter(c -> !Character.isISOControl(c) && !isFormatCharacter(c))
                .forEach(clean::appendCodePoint);
        String result = clean.toString().strip();
        if (result.isEmpty() || result.equals(".") || result.equals("..")) {
            return UNNAMED;
        }
        if (result.length() > MAX_LENGTH) {
            int cut = MAX_LENGTH;
            if (Character.isHighSurrogate(result.charAt(cut - 1))) {
                cut--;
            }
            result = result.substring(0, cut);
        }
        return result;
    }

    /** Unicode "format" characters: bidi overrides, zero-width joiners and the like are invisible. */
    private static boolean isFormatCharacter(int codePoint) {
        return Character.getType(codePoint) == Character.FORMAT;
    }
}
