package dev.lectern.documents;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;

import org.apache.commons.io.input.CloseShieldInputStream;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.extractor.EmbeddedDocumentExtractor;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.AutoDetectParser;
import org.xml.sax.ContentHandler;
import org.xml.sax.SAXException;

/**
 * Reads the files embedded in a document (a workbook or PDF in a slide, a file attached to a PDF page)
 * each into a handler of its own, and hands the text to the document's handler as a section
 * ({@link EmbeddedSections}). Left to Tika's default, an embedded file's XHTML ran on inside the host's
 * stream: its pages continued the host's page numbers ({@code [Page 11]} after a 10-slide deck) and every
 * picture's file name became a heading ({@code # image5.jpg}). Pictures are skipped: without OCR they
 * hold no text. Files embedded in embedded files go into their own host's section, as they nest.
 * One instance per extraction; the ParseContext that holds it is the one embedded files are parsed with.
 */
final class EmbeddedDocumentReader implements EmbeddedDocumentExtractor {

    /** Files in files in files: deeper than this is more likely a trap than a document. */
    private static final int MAX_NESTING = 4;

    private final AutoDetectParser parser;
    private final int maxCharacters;
    private final long deadlineNanos;
    private final Deque<StructuredTextHandler> hosts = new ArrayDeque<>();
    private ParseContext context;

    EmbeddedDocumentReader(AutoDetectParser parser, StructuredTextHandler document, int maxCharacters, long deadlineNanos) {
        this.parser = parser;
        this.maxCharacters = maxCharacters;
        this.deadlineNanos = deadlineNanos;
        hosts.push(document);
    }

    /** The context to parse the document with: it carries this reader to every level of nesting. */
    ParseContext install(ParseContext parseContext) {
        this.context = parseContext;
        parseContext.set(EmbeddedDocumentExtractor.class, this);
        return parseContext;
    }

    @Override
    public boolean shouldParseEmbedded(Metadata metadata) {
        String type = metadata.get(Metadata.CONTENT_TYPE);
        String kind = metadata.get(TikaCoreProperties.EMBEDDED_RESOURCE_TYPE);
        return hosts.size() <= MAX_NESTING && (type == null || !type.startsWith("image/"))
                && !TikaCoreProperties.EmbeddedResourceType.THUMBNAIL.name().equals(kind);
    }

    @Override
    public void parseEmbedded(InputStream stream, ContentHandler ignored, Metadata metadata, boolean outputHtml)
            throws SAXException, IOException {
        StructuredTextHandler host = hosts.peek();
        String name = null;
        String relationshipId = metadata.get(TikaCoreProperties.EMBEDDED_RELATIONSHIP_ID);
        String text;
        try (TikaInputStream in = TikaInputStream.get(CloseShieldInputStream.wrap(stream))) {
            MediaType type = parser.getDetector().detect(in, metadata);
            if (type.getType().equals("image")) {
                return;
            }
            name = nameOf(metadata, type);
            StructuredTextHandler handler = StructuredTextHandler.forEmbedded(StructuredTextHandler.Layout.of(type),
                    maxCharacters, deadlineNanos);
            hosts.push(handler);
            try {
                parser.parse(in, handler, metadata, context);
            } finally {
                hosts.pop();
            }
            text = handler.text();
        } catch (Exception problem) {
            SAXException limit = limitIn(problem);
            if (limit != null) {
                throw limit;
            }
            // One unreadable attachment must not cost the document; the model is told it is there.
            if (name == null) {
                name = nameOf(metadata, null);
            }
            text = encrypted(problem) ? "(This embedded file is password-protected and could not be read.)"
                    : "(This embedded file could not be read.)";
        }
        host.addEmbedded(relationshipId, name, text);
    }

    /** Its file name, or else what it is ("embedded PDF"): an OLE object in a slide often has no name. */
    private static String nameOf(Metadata metadata, MediaType detected) {
        String name = metadata.get(TikaCoreProperties.RESOURCE_NAME_KEY);
        if (name == null || name.isBlank()) {
            String type = detected != null ? detected.getBaseType().toString() : metadata.get(Metadata.CONTENT_TYPE);
            return type == null ? "embedded object" : "embedded " + TikaTextExtractor.describe(type);
        }
        String stripped = name.strip();
        return stripped.substring(stripped.lastIndexOf('/') + 1);
    }

    /** The deadline or the text limit, reached inside the embedded file: they stop the whole document. */
    private static SAXException limitIn(Throwable problem) {
        for (Throwable cause = problem; cause != null; cause = cause.getCause()) {
            if (cause instanceof StructuredTextHandler.DeadlinePassed || cause instanceof StructuredTextHandler.TextLimitReached) {
                return (SAXException) cause;
            }
        }
        return null;
    }

    private static boolean encrypted(Throwable problem) {
        for (Throwable cause = problem; cause != null; cause = cause.getCause()) {
            if (cause instanceof EncryptedDocumentException) {
                return true;
            }
        }
        return false;
    }
}
