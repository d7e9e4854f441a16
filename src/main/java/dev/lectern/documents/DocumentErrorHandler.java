package dev.lectern.documents;

import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.lectern.problem.ApiErrorAdvice;

/** Every refusal of the documents API as {@code {"error": CODE, "message": "..."}}. */
@RestControllerAdvice(assignableTypes = DocumentController.class)
class DocumentErrorHandler extends ApiErrorAdvice {

    DocumentErrorHandler() {
        super("Documents API", "Something went wrong on the server; nothing you sent was lost. The log has the details.");
    }
}
