package dev.lectern.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ServerWebInputException;

/** Every refusal of the accounts API as {@code {"error": CODE, "message": "..."}}, as the other APIs answer. */
@RestControllerAdvice(assignableTypes = AccountController.class)
class AccountErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(AccountErrorHandler.class);

    record ApiError(String error, String message) {
    }

    @ExceptionHandler(AccountProblem.class)
    ResponseEntity<ApiError> problem(AccountProblem problem) {
        return body(problem.status(), problem.code(), problem.getMessage());
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ApiError> badRequest(ServerWebInputException problem) {
        return body(HttpStatus.BAD_REQUEST, "BAD_REQUEST", "The request could not be read: " + problem.getReason());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception problem) {
        log.error("Accounts API request failed unexpectedly", problem);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "Something went wrong on the server; nothing was changed that you were not told about. The log has the details.");
    }

    private static ResponseEntity<ApiError> body(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ApiError(code, message));
    }
}
