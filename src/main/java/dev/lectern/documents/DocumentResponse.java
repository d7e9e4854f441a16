package dev.lectern.documents;

import java.time.Instant;
import java.util.UUID;

import dev.lectern.inference.PrefixInfo;

/**
 * A document as the API shows it: no owner id, no storage details. {@code message} is the one sentence
 * a person needs about the status (why it failed, by how much it is too long, why no token count).
 * {@code encoding} says how far a document being encoded is; {@code prefix} describes the cached prefix of
 * a ready one (null otherwise). {@code shared}: the whole team may read it; {@code owner}: who uploaded it
 * (only they may delete it or stop sharing it). {@code pagesKnown}: the text marks the file's pages, so a
 * page citation can be followed; false for a Word file that records no page starts, plain text, HTML.
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
        Instant extractedAt,
        EncodingProgress encoding,
        Prefix prefix,
        boolean shared,
        String owner,
        boolean pagesKnown) {

    /** The cached prefix: its tokens, bytes (on disk, or in RAM when not written yet), tier, pin and use. */
    public record Prefix(int tokens, long bytes, String tier, boolean pinned, long hits, Instant lastHit) {

        static Prefix of(PrefixInfo info) {
            return info == null ? null : new Prefix(info.tokens(), info.diskBytes() > 0 ? info.diskBytes()
                    : info.ramBytes(), info.tier(), info.pinned(), info.hits(), info.lastHit());
        }
    }

    static DocumentResponse of(Document d) {
        return of(d, null, null);
    }

    static DocumentResponse of(Document d, EncodingProgress encoding, PrefixInfo prefix) {
        String message = d.error() != null ? d.error() : d.note();
        return new DocumentResponse(d.id(), d.filename(), d.mediaType(), d.sizeBytes(), d.sha256(), d.title(),
                d.author(), d.language(), d.pageCount(), d.tokenCount(), d.textChars(), d.status(), message,
                d.createdAt(), d.updatedAt(), d.extractedAt(), d.status() == DocumentStatus.ENCODING ? encoding : null,
                Prefix.of(prefix), d.shared(), d.ownerName(), d.pagesKnown());
    }
}
