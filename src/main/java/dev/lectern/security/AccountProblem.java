package dev.lectern.security;

import org.springframework.http.HttpStatus;

/** A refused account operation: HTTP status, a stable code for scripts, a message for people. */
final class AccountProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    AccountProblem(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    HttpStatus status() {
        return status;
    }

    String code() {
        return code;
    }

    static AccountProblem notFound() {
        return new AccountProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such account.");
    }
}
