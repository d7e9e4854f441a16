package dev.lectern.documents;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes a copy of an RTF file in which every table cell and row end carries a sentinel text, because
 * Tika's RTF parser turns a table into one paragraph per cell and says nothing of rows: the sentinels
 * ride through the parse and {@link RtfTables} rebuilds the table from them. A sentinel goes just
 * before each {@code \cell} (so it ends that cell's text) and each {@code \row}, and one after each
 * {@code \intbl}, which starts a paragraph inside a table: so the first paragraph of a cell that has
 * several is known to be part of the table, not text after it. Nested tables
 * ({@code \nestcell}) are left alone: their cells stay paragraphs, as before.
 *
 * <p>The file is streamed byte by byte (RTF is 7-bit text; any other byte is copied as it is), so a large
 * file costs no memory; an escaped backslash ({@code \\}) is text, not the start of a control word.
 */
final class RtfTableMarks {

    /** Private-use characters, written as RTF's signed 16-bit Unicode escapes with no fallback text. */
    static final String CELL = "\uE000\uE003\uE000";
    static final String ROW = "\uE000\uE004\uE000";
    static final String IN_TABLE = "\uE000\uE005\uE000";
    private static final byte[] CELL_ESCAPED = "\\u-8192?\\u-8189?\\u-8192?".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROW_ESCAPED = "\\u-8192?\\u-8188?\\u-8192?".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IN_TABLE_ESCAPED = "\\u-8192?\\u-8187?\\u-8192?".getBytes(StandardCharsets.US_ASCII);

    private RtfTableMarks() {
    }

    /** The marked copy (a temporary file the caller deletes), or null when the file has no table or cannot be read. */
    static Path markedCopy(Path rtf) {
        Path copy = null;
        try {
            copy = Files.createTempFile("lectern-rtf-tables-", ".rtf");
            boolean marked;
            try (InputStream in = new PushbackInputStream(new BufferedInputStream(Files.newInputStream(rtf)), 8);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy))) {
                marked = mark((PushbackInputStream) in, out);
            }
            if (marked) {
                return copy;
            }
        } catch (IOException | RuntimeException unreadable) {
            // Tika reads the original and says what is wrong with it, if anything.
        }
        if (copy != null) {
            try {
                Files.deleteIfExists(copy);
            } catch (IOException ignored) {
                // A leftover temporary file harms nothing.
            }
        }
        return null;
    }

    private static boolean mark(PushbackInputStream in, OutputStream out) throws IOException {
        boolean found = false;
        for (int b; (b = in.read()) >= 0; ) {
            if (b != '\\') {
                out.write(b);
                continue;
            }
            int next = in.read();
            if (next < 0) {
                out.write(b);
                break;
            }
            if (next == '\\') {
                out.write(b);
                out.write(next);
                continue;
            }
            in.unread(next);
            byte[] word = controlWord(in);
            String name = new String(word, StandardCharsets.US_ASCII);
            if (name.equals("cell")) {
                out.write(CELL_ESCAPED);
                found = true;
            } else if (name.equals("row")) {
                out.write(ROW_ESCAPED);
                found = true;
            }
            out.write(b);
            out.write(word);
            if (name.equals("intbl")) {
                out.write(IN_TABLE_ESCAPED);
            }
        }
        return found;
    }

    /** The letters right after a backslash (none for a control symbol such as {@code \'e9}). */
    private static byte[] controlWord(PushbackInputStream in) throws IOException {
        byte[] letters = new byte[8];
        int length = 0;
        for (int c; (c = in.read()) >= 0; ) {
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!letter || length == letters.length) {
                in.unread(c);
                break;
            }
            letters[length++] = (byte) c;
        }
        return java.util.Arrays.copyOf(letters, length);
    }
}
