package dev.lectern.documents;

import org.springframework.http.HttpStatus;

import dev.lectern.problem.ApiProblem;

/**
 * A request the documents API refuses, with the HTTP status, a stable code for scripts and a message
 * for people. The controller advice turns it into {@code {"error": CODE, "message": "..."}}.
 */
final class DocumentProblem extends ApiProblem {

    DocumentProblem(HttpStatus status, String code, String message) {
        super(status, code, message);
    }

    static DocumentProblem notFound() {
        return new DocumentProblem(HttpStatus.NOT_FOUND, "NOT_FOUND", "There is no such document among yours.");
    }
}
