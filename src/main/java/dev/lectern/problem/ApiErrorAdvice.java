package dev.lectern.problem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.server.ServerWebInputException;

/**
 * Every refusal of one REST API as {@code {"error": CODE, "message": "..."}}, so that scripts read one shape
 * from every API. Each API has a subclass annotated {@code @RestControllerAdvice(assignableTypes = …)} naming
 * its controller, which stays private to its package.
 */
public abstract class ApiErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorAdvice.class);

    /** The body of every refusal. */
    public record ApiError(String error, String message) {
    }

    private final String api;
    private final String unexpectedMessage;

    /**
     * @param api               the API's name for the log, e.g. "Documents API"
     * @param unexpectedMessage what the caller is told after an internal error: what was or was not lost
     */
    protected ApiErrorAdvice(String api, String unexpectedMessage) {
        this.api = api;
        this.unexpectedMessage = unexpectedMessage;
    }

    @ExceptionHandler(ApiProblem.class)
    public ResponseEntity<ApiError> problem(ApiProblem problem) {
        return body(problem.status(), problem.code(), problem.getMessage());
    }

    @ExceptionHandler(ServerWebInputException.class)
    public ResponseEntity<ApiError> badRequest(ServerWebInputException problem) {
        return body(HttpStatus.BAD_REQUEST, "BAD_REQUEST", "The request could not be read: " + problem.getReason());
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ApiError> unexpected(Exception problem) {
        log.error("{} request failed unexpectedly", api, problem);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", unexpectedMessage);
    }

    private static ResponseEntity<ApiError> body(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ApiError(code, message));
    }
}
