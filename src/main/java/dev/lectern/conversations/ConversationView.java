package dev.lectern.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.lectern.documents.Document;
import dev.lectern.documents.DocumentStatus;

/**
 * A conversation as the chat page shows it: its documents (those still there), whether any was deleted,
 * and its messages. A streaming answer carries the text written so far and the request to follow on the
 * chat socket.
 */
public record ConversationView(UUID id, String title, List<DocumentRef> documents, boolean documentsIntact,
                               Instant createdAt, Instant updatedAt, List<MessageView> messages) {

    /** What the page needs of a document to show it and open it at a page ({@code pagesKnown}: whether it can). */
    public record DocumentRef(UUID id, String filename, String mediaType, Integer pageCount, Integer tokenCount,
                              DocumentStatus status, boolean pagesKnown) {

        static DocumentRef of(Document d) {
            return new DocumentRef(d.id(), d.filename(), d.mediaType(), d.pageCount(), d.tokenCount(), d.status(),
                    d.pagesKnown());
        }
    }

    public record MessageView(long id, MessageRole role, String content, MessageStatus status, String finishReason,
                              String error, AnswerStats stats, String requestId, Instant createdAt) {
    }

    /** The conversation in the list: no messages. */
    public record Summary(UUID id, String title, List<UUID> documentIds, boolean documentsIntact, Instant createdAt,
                          Instant updatedAt) {

        static Summary of(Conversation c) {
            return new Summary(c.id(), c.title(), c.documentIds(), c.documentsIntact(), c.createdAt(), c.updatedAt());
        }
    }
}
