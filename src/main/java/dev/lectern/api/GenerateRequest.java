package dev.lectern.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /api/generate}: a prompt, answered as a user's chat message unless {@code raw}
 * (then continued as plain text), about {@code documents} when given (the ids of the user's documents: the
 * system turn then holds them, and their cached prefix is reused), with optional sampling settings in the
 * OpenAI API's names.
 */
record GenerateRequest(
        String prompt,
        java.util.List<java.util.UUID> documents,
        @JsonProperty("max_tokens") Integer maxTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        Long seed,
        Boolean raw,
        Boolean thinking) {
}
