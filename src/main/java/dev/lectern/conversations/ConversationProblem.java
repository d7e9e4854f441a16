package dev.lectern.conversations;

import org.springframework.http.HttpStatus;

import dev.lectern.problem.ApiProblem;

/**
 * A request about conversations that cannot be done, with the HTTP status for the REST API, a stable code
 * (also used on the chat socket) and a message for people.
 */
public final class ConversationProblem extends ApiProblem {

    public ConversationProblem(HttpStatus status, String code, String message) {
        super(status, code, message);
    }

    static ConversationProblem notFound() {
        return new ConversationProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such conversation among yours.");
    }
}
