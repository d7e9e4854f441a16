package dev.lectern.problem;

import org.springframework.http.HttpStatus;

/**
 * A request a REST API refuses: the HTTP status, a stable code for scripts (the chat socket sends the same
 * codes) and a message for people. {@link ApiErrorAdvice} writes it as {@code {"error": CODE, "message": "..."}}.
 */
public abstract class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    protected ApiProblem(HttpStatus status, String code, String message) {
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
}
