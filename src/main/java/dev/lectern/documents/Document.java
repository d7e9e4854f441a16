package dev.lectern.documents;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code documents} without its extracted text (which can be megabytes and is read only when
 * asked for). {@code error} explains a {@code failed} or {@code too_long} status; {@code note} explains
 * what an {@code extracted} document lacks (no token count without a model, no encoding); {@code prefixKey}
 * names the prefix-cache entry of a {@code ready} one. {@code shared}: every member of the team may read
 * and ask about it (only its owner may delete it or stop sharing it). {@code pagesKnown}: its text marks
 * its pages with {@code [Page N]}, so answers may cite them.
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
        String prefixKey,
        boolean shared,
        String ownerName,
        boolean pagesKnown) {

    /** Whether {@code userId} may read it: its owner, or anyone once it is shared with the team. */
    public boolean isReadableBy(long userId) {
        return ownerId == userId || shared;
    }
}
