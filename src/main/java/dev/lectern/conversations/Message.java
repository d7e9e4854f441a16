package dev.lectern.conversations;

import java.time.Instant;
import java.util.UUID;

/**
 * One turn of a conversation. {@code tokenIds} are the turn's ids as they went into the prompt: for a
 * question, the user turn with the template's markers and the assistant's generation prompt; for an
 * answer, the ids the model generated. They are internal (the API does not show them). {@code stats} is
 * null for questions.
 */
public record Message(long id, UUID conversationId, MessageRole role, String content, int[] tokenIds,
                      MessageStatus status, String finishReason, String error, AnswerStats stats,
                      Instant createdAt) {
}
