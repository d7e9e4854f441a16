package dev.lectern.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A conversation about a fixed set of documents. {@code documentIds} are the documents still there, in the
 * order they were chosen; {@code documentCount} is how many it started with, so a deleted document shows.
 */
public record Conversation(UUID id, long ownerId, String title, List<UUID> documentIds, int documentCount,
                           Instant createdAt, Instant updatedAt) {

    public Conversation {
        documentIds = List.copyOf(documentIds);
    }

    /** False once one of its documents was deleted: its prompt can no longer be rebuilt as it was. */
    public boolean documentsIntact() {
        return documentIds.size() == documentCount;
    }
}
