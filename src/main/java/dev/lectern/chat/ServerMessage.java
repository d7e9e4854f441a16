package dev.lectern.chat;

import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lectern.conversations.AnswerStats;

/**
 * What the server sends on the chat socket, one JSON object per message, fields in the order written
 * here ({@code type} first). The names are the protocol: the README documents them.
 */
sealed interface ServerMessage {

    String type();

    /** The question was stored and its answer queued; {@code queuePosition} requests were ahead of it. */
    record Accepted(String type, String requestId, UUID conversationId, long messageId, int queuePosition)
            implements ServerMessage {

        Accepted(String requestId, UUID conversationId, long messageId, int queuePosition) {
            this("accepted", requestId, conversationId, messageId, queuePosition);
        }
    }

    /**
     * How far the prompt is encoded: {@code done} of {@code total} tokens (cached ones count as done);
     * {@code etaSeconds} is null until the engine can estimate.
     */
    record Progress(String type, String requestId, String stage, int done, int total, Double etaSeconds)
            implements ServerMessage {

        static final String ENCODING = "encoding";

        Progress(String requestId, int done, int total, Double etaSeconds) {
            this("progress", requestId, ENCODING, done, total, etaSeconds);
        }
    }

    /** The next piece of the answer's text (a whole answer so far, when a page reattaches). */
    record Token(String type, String requestId, String text) implements ServerMessage {

        Token(String requestId, String text) {
            this("token", requestId, text);
        }
    }

    /** The answer ended: {@code finishReason} stop, length or cancelled. */
    record Done(String type, String requestId, String finishReason, Stats stats) implements ServerMessage {

        Done(String requestId, String finishReason, AnswerStats stats) {
            this("done", requestId, finishReason, new Stats(stats.promptTokens(), stats.cachedTokens(),
                    stats.completionTokens(), stats.timeToFirstTokenMs(), stats.decodeTokensPerSecond()));
        }
    }

    record Stats(Integer promptTokens, Integer cachedTokens, Integer completionTokens, Long timeToFirstTokenMs,
                 Double decodeTokensPerSecond) {
    }

    /**
     * A request that could not be done, or an answer that failed. {@code requestId} when it concerns a
     * running answer, {@code conversationId} when the question named one; a question refused before it
     * was accepted has neither requestId nor stored messages.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String type, String requestId, String code, String message, UUID conversationId)
            implements ServerMessage {

        Error(String requestId, String code, String message, UUID conversationId) {
            this("error", requestId, code, message, conversationId);
        }

        static Error of(ChatProblem problem) {
            return new Error(problem.requestId(), problem.code(), problem.getMessage(), problem.conversationId());
        }
    }
}
