package dev.lectern.chat;

import java.util.UUID;

/**
 * A chat message that cannot be done, as the socket reports it: a stable code, a message for the person
 * asking, and the request or conversation it concerns when known. The socket stays open.
 */
final class ChatProblem extends RuntimeException {

    private final String code;
    private final String requestId;
    private final UUID conversationId;

    ChatProblem(String code, String message) {
        this(code, message, null, null);
    }

    ChatProblem(String code, String message, String requestId, UUID conversationId) {
        super(message, null, false, false);
        this.code = code;
        this.requestId = requestId;
        this.conversationId = conversationId;
    }

    String code() {
        return code;
    }

    String requestId() {
        return requestId;
    }

    UUID conversationId() {
        return conversationId;
    }

    ChatProblem about(UUID conversation) {
        return conversationId != null || conversation == null ? this
                : new ChatProblem(code, getMessage(), requestId, conversation);
    }
}
