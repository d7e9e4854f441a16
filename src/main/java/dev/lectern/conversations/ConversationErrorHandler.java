package dev.lectern.conversations;

import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.lectern.problem.ApiErrorAdvice;

/** Every refusal of the conversations API as {@code {"error": CODE, "message": "..."}}. */
@RestControllerAdvice(assignableTypes = ConversationController.class)
class ConversationErrorHandler extends ApiErrorAdvice {

    ConversationErrorHandler() {
        super("Conversations API", "Something went wrong on the server; nothing was lost. The log has the details.");
    }
}
