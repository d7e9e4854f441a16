package dev.lectern.documents;

import org.springframework.http.HttpStatus;

/**
 * A request the documents API refuses, with the HTTP status, a stable code for scripts and a message
 * for people. The controller advice turns it into {@code {"error": CODE, "message": "..."}}.
 */
final class DocumentProblem extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    DocumentProblem(HttpStatus status, String code, String message) {
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

    static DocumentProblem notFound() {
        return new DocumentProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such document among yours.");
    }
}
