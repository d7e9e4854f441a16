package dev.lectern.documents;

import java.time.Instant;
import java.util.UUID;

/**
 * A document as the API shows it: no owner id, no storage details. {@code message} is the one sentence
 * a person needs about the status (why it failed, by how much it is too long, why no token count).
 */
public record DocumentResponse(
        UUID id,
        String filename,
        String mediaType,
        long sizeBytes,
        String sha256,
        String title,
        String author,
        String language,
        Integer pageCount,
        Integer tokenCount,
        Integer textChars,
        DocumentStatus status,
        String message,
        Instant createdAt,
        Instant updatedAt,
        Instant extractedAt) {

    static DocumentResponse of(Document d) {
        String message = d.error() != null ? d.error() : d.note();
        return new DocumentResponse(d.id(), d.filename(), d.mediaType(), d.sizeBytes(), d.sha256(), d.title(),
                d.author(), d.language(), d.pageCount(), d.tokenCount(), d.textChars(), d.status(), message,
                d.createdAt(), d.updatedAt(), d.extractedAt());
    }
}
