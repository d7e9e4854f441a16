package dev.lectern.documents;

import java.io.InputStream;
import java.util.Set;

import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.xml.sax.ContentHandler;

/**
 * A Tika parser for two made-up types that only tests write (files starting "LECTERN-TEST-HANG" or
 * "LECTERN-TEST-CRASH", see custom-mimetypes.xml in the test resources): one never returns and never
 * produces output, like a parser caught in an endless loop; the other ends its JVM abruptly, like a
 * native library crashing. Tika finds it through META-INF/services on the test class path, in the
 * extraction processes too, which is the point: it misbehaves where real parsers would.
 */
public final class MisbehavingParser implements Parser {

    static final MediaType HANGS = MediaType.application("x-lectern-test-hang");
    static final MediaType CRASHES = MediaType.application("x-lectern-test-crash");
    static final int CRASH_EXIT_CODE = 71;

    @Override
    public Set<MediaType> getSupportedTypes(ParseContext context) {
        return Set.of(HANGS, CRASHES);
    }

    @Override
    public void parse(InputStream stream, ContentHandler handler, Metadata metadata, ParseContext context) {
        MediaType type = MediaType.parse(metadata.get(Metadata.CONTENT_TYPE));
        if (CRASHES.equals(type)) {
            Runtime.getRuntime().halt(CRASH_EXIT_CODE);
        }
        // Deaf to interrupts, as a parser stuck in a loop is: only killing its process ends it.
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                // keep hanging
            }
        }
    }
}
