package dev.lectern.documents;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.apache.tika.detect.DefaultEncodingDetector;
import org.apache.tika.detect.EncodingDetector;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.parser.html.HtmlEncodingDetector;

/**
 * Picks the character encoding of a text or HTML file that Tika has to guess. A charset the file
 * declares ({@code <meta charset>}) wins, as in a browser. Otherwise, text that has non-ASCII bytes and
 * decodes as valid UTF-8 is UTF-8: Tika's statistical detectors read only the first few kilobytes, and
 * a saved web page whose first accented letter comes later (a Wikipedia page: 85 non-ASCII bytes in
 * 290 kB) was read as ISO-8859-1 ({@code La FÃ©mis}). Valid UTF-8 is a strong signal: text in a legacy
 * encoding (cp1252, Shift-JIS, GBK) practically never forms valid multi-byte sequences throughout.
 * Anything else goes to Tika's own detectors, whose ISO-8859-1 is read as windows-1252.
 */
final class Utf8PreferringEncodingDetector implements EncodingDetector {

    /** How much of the file is checked; a file still valid UTF-8 this far is taken for UTF-8. */
    private static final int CHECKED_BYTES = 4 << 20;

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private final EncodingDetector declared = new HtmlEncodingDetector();
    private final EncodingDetector statistical = new DefaultEncodingDetector();

    @Override
    public Charset detect(InputStream input, Metadata metadata) throws IOException {
        if (input == null) {
            return null;
        }
        Charset charset = declared.detect(input, metadata);
        if (charset != null) {
            return charset;
        }
        if (input.markSupported() && isUtf8WithNonAscii(input)) {
            return StandardCharsets.UTF_8;
        }
        Charset guessed = statistical.detect(input, metadata);
        // As browsers do (WHATWG Encoding): ISO-8859-1 is read as its superset windows-1252, whose
        // 0x80-0x9F are the euro sign, curly quotes and œ rather than invisible control characters.
        return guessed != null && guessed.equals(StandardCharsets.ISO_8859_1) ? WINDOWS_1252 : guessed;
    }

    /** Reads ahead and resets the stream, as every EncodingDetector must. */
    private static boolean isUtf8WithNonAscii(InputStream input) throws IOException {
        input.mark(CHECKED_BYTES);
        byte[] bytes;
        try {
            bytes = input.readNBytes(CHECKED_BYTES);
        } finally {
            input.reset();
        }
        boolean nonAscii = false;
        for (byte b : bytes) {
            if (b < 0) {
                nonAscii = true;
                break;
            }
        }
        if (!nonAscii) {
            return false;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // Cut off at the limit, the last character may be incomplete: that alone is no error.
        boolean wholeFile = bytes.length < CHECKED_BYTES;
        return !decoder.decode(ByteBuffer.wrap(bytes), CharBuffer.allocate(bytes.length), wholeFile).isError();
    }
}
