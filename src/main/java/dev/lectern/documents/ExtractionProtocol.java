package dev.lectern.documents;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The framed byte stream between the server and an extraction process ({@link ExtractionWorkerMain}).
 * The server writes requests to the child's stdin; the child answers on its stdout. Every frame starts
 * with a tag byte; strings are a length (-1 for null) and UTF-8 bytes, so a text of millions of
 * characters crosses in one frame. Tags are control bytes, never printable text, so stray output from
 * the JVM or a library cannot pass for a frame. Both sides are this class, so they cannot drift apart.
 */
final class ExtractionProtocol {

    /** Server to child: extract a file. Followed by path, filename hint and time limit in ms. */
    static final int EXTRACT = 0x01;
    /** Child to server: started, Tika loaded, waiting for requests. Followed by {@link #VERSION}. */
    static final int READY = 0x10;
    /** Child to server: the detected media type. */
    static final int MEDIA_TYPE = 0x11;
    /** Child to server: a page, slide or sheet has begun. Followed by its number. */
    static final int PAGE = 0x12;
    /** Child to server: the extracted document. */
    static final int DONE = 0x13;
    /** Child to server: the file could not be read. Followed by the message and the media type. */
    static final int FAILED = 0x14;
    /**
     * Child to server: OCR starts on a page. Followed by n, N (page n of the N it reads) and the
     * milliseconds the page may take; the server's time limit starts over with that allowance.
     */
    static final int OCR_PAGE = 0x15;

    /** Sent with READY; a child from another build of Lectern is refused rather than misread. */
    static final int VERSION = 3;

    private ExtractionProtocol() {
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static void writeDocument(DataOutputStream out, ExtractedDocument document) throws IOException {
        out.writeByte(DONE);
        writeString(out, document.mediaType());
        writeString(out, document.text());
        writeString(out, document.title());
        writeString(out, document.author());
        writeString(out, document.language());
        out.writeInt(document.pageCount() == null ? -1 : document.pageCount());
        out.writeBoolean(document.pagesKnown());
    }

    /** Reads the body of a {@link #DONE} frame (its tag already read). */
    static ExtractedDocument readDocument(DataInputStream in) throws IOException {
        String mediaType = readString(in);
        String text = readString(in);
        String title = readString(in);
        String author = readString(in);
        String language = readString(in);
        int pages = in.readInt();
        boolean pagesKnown = in.readBoolean();
        return new ExtractedDocument(mediaType, text, title, author, language, pages < 0 ? null : pages, pagesKnown);
    }
}
