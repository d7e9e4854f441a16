package dev.lectern.conversations;

import org.springframework.http.HttpStatus;

/**
 * A request about conversations that cannot be done, with the HTTP status for the REST API, a stable code
 * (also used on the chat socket) and a message for people.
 */
public final class ConversationProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public ConversationProblem(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    static ConversationProblem notFound() {
        return new ConversationProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such conversation among yours.");
    }
}
