package dev.lectern.documents;

import java.time.Instant;
import java.util.UUID;

/**
 * A document's status at one moment, as the events stream sends it. {@code pagesDone} counts pages the
 * parser has reached while {@code extracting} (null when the format has no pages or the count is not
 * known yet); {@code sizeBytes} is the upload's size. While {@code encoding}, {@code encoding} says how far
 * (null otherwise). {@code stage} is {@code "ocr"} while OCR reads scanned pages, {@code pagesDone} of
 * {@code pageCount} (the pages it reads, not the document's); null otherwise.
 */
public record DocumentEvent(UUID documentId, DocumentStatus status, String message, long sizeBytes,
        Integer pagesDone, Integer pageCount, Integer tokenCount, EncodingProgress encoding, Instant at,
        String stage) {

    static DocumentEvent of(Document d) {
        String message = d.error() != null ? d.error() : d.note();
        return new DocumentEvent(d.id(), d.status(), message, d.sizeBytes(), d.pageCount(), d.pageCount(),
                d.tokenCount(), null, d.updatedAt(), null);
    }

    static DocumentEvent extractingPage(Document d, int page) {
        return new DocumentEvent(d.id(), DocumentStatus.EXTRACTING, null, d.sizeBytes(), page, null, null, null,
                Instant.now(), null);
    }

    static DocumentEvent ocrPage(Document d, int page, int pages) {
        return new DocumentEvent(d.id(), DocumentStatus.EXTRACTING, null, d.sizeBytes(), page, pages, null, null,
                Instant.now(), "ocr");
    }

    static DocumentEvent encoding(Document d, EncodingProgress progress) {
        return new DocumentEvent(d.id(), DocumentStatus.ENCODING, null, d.sizeBytes(), d.pageCount(), d.pageCount(),
                d.tokenCount(), progress, Instant.now(), null);
    }
}
