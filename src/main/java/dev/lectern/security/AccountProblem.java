package dev.lectern.security;

import org.springframework.http.HttpStatus;

import dev.lectern.problem.ApiProblem;

/** A refused account operation: HTTP status, a stable code for scripts, a message for people. */
final class AccountProblem extends ApiProblem {

    AccountProblem(HttpStatus status, String code, String message) {
        super(status, code, message);
    }

    static AccountProblem notFound() {
        return new AccountProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such account.");
    }
}
