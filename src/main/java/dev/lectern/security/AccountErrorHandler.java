package dev.lectern.security;

import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.lectern.problem.ApiErrorAdvice;

/** Every refusal of the accounts API as {@code {"error": CODE, "message": "..."}}, as the other APIs answer. */
@RestControllerAdvice(assignableTypes = AccountController.class)
class AccountErrorHandler extends ApiErrorAdvice {

    AccountErrorHandler() {
        super("Accounts API", "Something went wrong on the server; nothing was changed that you were not told about. The log has the details.");
    }
}
