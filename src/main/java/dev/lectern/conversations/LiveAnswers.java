package dev.lectern.conversations;

import java.util.Optional;
import java.util.UUID;

/**
 * Answers being written right now, as the chat keeps them in memory: a streaming answer's text so far is
 * there, not in the database, until it ends. Implemented by the chat; conversations only read it.
 */
public interface LiveAnswers {

    /** An answer still being generated: the request to follow on the socket, and its text so far. */
    record LiveAnswer(String requestId, String content) {
    }

    Optional<LiveAnswer> find(long answerMessageId);

    /** Stops every answer being written in the conversation (it is being deleted). */
    void cancelConversation(UUID conversationId, String reason);
}
