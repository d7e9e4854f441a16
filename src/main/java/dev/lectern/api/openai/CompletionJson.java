package dev.lectern.api.openai;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lectern.engine.generation.GenerationStats;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of OpenAI's chat completion objects, field for field in OpenAI's order: the whole completion
 * ({@code chat.completion}), a streamed chunk ({@code chat.completion.chunk}) and {@code usage}, whose
 * {@code prompt_tokens_details.cached_tokens} says how much of the prompt the prefix cache held.
 */
final class CompletionJson {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final String id;
    private final long created;
    private final String model;

    CompletionJson(String id, long created, String model) {
        this.id = id;
        this.created = created;
        this.model = model;
    }

    String completion(String text, String finishReason, GenerationStats stats) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", text);
        message.put("refusal", null);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> body = head("chat.completion");
        body.put("choices", List.of(choice));
        body.put("usage", usage(stats));
        return JSON.writeValueAsString(body);
    }

    /** A chunk carrying {@code delta} (or, with {@code finishReason}, the last of the choice). */
    String chunk(Map<String, Object> delta, String finishReason, boolean withUsageField) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> body = head("chat.completion.chunk");
        body.put("choices", List.of(choice));
        if (withUsageField) {
            // With include_usage every chunk has the field, null until the last one.
            body.put("usage", null);
        }
        return JSON.writeValueAsString(body);
    }

    /** The extra last chunk of a stream with include_usage: no choices, the usage. */
    String usageChunk(GenerationStats stats) {
        Map<String, Object> body = head("chat.completion.chunk");
        body.put("choices", List.of());
        body.put("usage", usage(stats));
        return JSON.writeValueAsString(body);
    }

    static Map<String, Object> delta(String role, String content) {
        Map<String, Object> delta = new LinkedHashMap<>();
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        return delta;
    }

    static Map<String, Object> usage(GenerationStats stats) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", stats.promptTokens());
        usage.put("completion_tokens", stats.generatedTokens());
        usage.put("total_tokens", stats.promptTokens() + stats.generatedTokens());
        usage.put("prompt_tokens_details", Map.of("cached_tokens", stats.cachedTokens()));
        usage.put("completion_tokens_details", Map.of("reasoning_tokens", 0));
        return usage;
    }

    private Map<String, Object> head(String object) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model);
        body.put("system_fingerprint", null);
        return body;
    }
}
