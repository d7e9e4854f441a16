package dev.lectern.documents;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code documents} without its extracted text (which can be megabytes and is read only when
 * asked for). {@code error} explains a {@code failed} or {@code too_long} status; {@code note} explains
 * what an {@code extracted} document lacks (no token count without a model, no encoding); {@code prefixKey}
 * names the prefix-cache entry of a {@code ready} one.
 */
public record Document(
        UUID id,
        long ownerId,
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
        String error,
        String note,
        Instant createdAt,
        Instant updatedAt,
        Instant extractedAt,
        String prefixKey) {
}
