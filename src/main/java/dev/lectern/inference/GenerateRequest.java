package dev.lectern.inference;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /api/generate}: a prompt, answered as a user's chat message unless {@code raw}
 * (then continued as plain text), with optional sampling settings in the OpenAI API's names.
 */
record GenerateRequest(
        String prompt,
        @JsonProperty("max_tokens") Integer maxTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        Long seed,
        Boolean raw,
        Boolean thinking) {
}
