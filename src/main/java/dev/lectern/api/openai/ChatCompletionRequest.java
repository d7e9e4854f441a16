package dev.lectern.api.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.lectern.engine.sampling.SamplingParameters;
import tools.jackson.databind.JsonNode;

/**
 * The part of OpenAI's chat completion request that Lectern serves, read from the JSON as clients send it:
 * {@code model}, {@code messages} (text content, as a string or as text parts), {@code stream} and
 * {@code stream_options.include_usage}, the sampling fields, and the extension {@code documents} (ids of the
 * caller's uploaded documents, put into the prompt exactly as the chat does). Fields it does not know are
 * ignored, as OpenAI-compatible servers do; fields it knows but cannot honour (n other than 1, tools,
 * logprobs, JSON output) are refused with the field named, rather than silently answered otherwise.
 *
 * @param maxTokens null when the client set no limit (the room left in the context then decides)
 */
record ChatCompletionRequest(String model, List<Message> messages, List<UUID> documents, boolean stream,
                             boolean includeUsage, SamplingParameters parameters, Integer maxTokens) {

    /** One message: role (system, developer, user or assistant) and its text. */
    record Message(String role, String text) {
    }

    static final int MAX_MESSAGES = 10_000;

    /** @param defaults the sampling the client does not override (Qwen3's recommended settings) */
    static ChatCompletionRequest parse(JsonNode body, SamplingParameters defaults) {
        if (body == null || !body.isObject()) {
            throw OpenAiException.invalid(null, "The request body must be a JSON object, such as {\"model\": \"...\","
                    + " \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}.");
        }
        String model = string(body, "model");
        if (model == null || model.isBlank()) {
            throw OpenAiException.invalid("model", "missing_required_parameter", "Send \"model\": the id GET /v1/models lists.");
        }
        List<Message> messages = messages(body.get("messages"));
        List<UUID> documents = documents(body.get("documents"));
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw OpenAiException.invalid("n", "Lectern writes one choice per request: send n=1 or leave it out.");
        }
        if (present(body, "tools") && body.get("tools").isArray() && !body.get("tools").isEmpty()
                || present(body, "functions")) {
            throw OpenAiException.invalid("tools", "unsupported_parameter", "Lectern does not call tools or functions.");
        }
        if (present(body, "logprobs") && body.get("logprobs").asBoolean(false)) {
            throw OpenAiException.invalid("logprobs", "unsupported_parameter", "Lectern does not return log probabilities.");
        }
        JsonNode format = body.get("response_format");
        if (format != null && format.isObject() && !"text".equals(string(format, "type"))) {
            throw OpenAiException.invalid("response_format", "unsupported_parameter",
                    "Lectern answers in text only; JSON modes and schemas are not supported.");
        }
        boolean stream = bool(body, "stream");
        JsonNode options = body.get("stream_options");
        boolean includeUsage = options != null && options.isObject() && bool(options, "include_usage");
        if (options != null && !options.isNull() && !stream) {
            throw OpenAiException.invalid("stream_options", "\"stream_options\" is only allowed with \"stream\": true.");
        }
        Integer maxTokens = integer(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw OpenAiException.invalid(present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                    "The token limit must be at least 1 (it is " + maxTokens + ").");
        }
        return new ChatCompletionRequest(model.strip(), messages, documents, stream, includeUsage,
                sampling(body, defaults), maxTokens);
    }

    private static SamplingParameters sampling(JsonNode body, SamplingParameters parameters) {
        Double temperature = number(body, "temperature");
        if (temperature != null) {
            if (!(temperature >= 0 && temperature <= 2)) {
                throw OpenAiException.invalid("temperature", "temperature must be between 0 and 2 (it is " + temperature + ").");
            }
            parameters = temperature == 0 ? SamplingParameters.greedy().withMaxTokens(parameters.maxTokens())
                    : parameters.withTemperature(temperature);
        }
        Double topP = number(body, "top_p");
        if (topP != null) {
            if (!(topP >= 0 && topP <= 1)) {
                throw OpenAiException.invalid("top_p", "top_p must be between 0 and 1 (it is " + topP + ").");
            }
            // top_p 0 keeps only the most likely token, as the smallest p above 0 does.
            parameters = parameters.withTopP(Math.max(topP, Double.MIN_NORMAL));
        }
        Double presence = number(body, "presence_penalty");
        Double frequency = number(body, "frequency_penalty");
        try {
            if (presence != null) {
                parameters = parameters.withPresencePenalty(presence);
            }
            if (frequency != null) {
                parameters = parameters.withFrequencyPenalty(frequency);
            }
        } catch (IllegalArgumentException invalid) {
            throw OpenAiException.invalid(presence != null && Math.abs(presence) > 2 ? "presence_penalty"
                    : "frequency_penalty", "Penalties must be between -2 and 2.");
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw OpenAiException.invalid("seed", "seed must be an integer.");
            }
            parameters = parameters.withSeed(seed.asLong());
        }
        List<String> stops = stops(body.get("stop"));
        try {
            return parameters.withStopStrings(stops);
        } catch (IllegalArgumentException invalid) {
            throw OpenAiException.invalid("stop", invalid.getMessage().replace("stopStrings", "stop"));
        }
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isString()) {
            return List.of(stop.asString());
        }
        if (!stop.isArray()) {
            throw OpenAiException.invalid("stop", "stop must be a string or an array of strings.");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode item : stop) {
            if (!item.isString()) {
                throw OpenAiException.invalid("stop", "stop must be a string or an array of strings.");
            }
            stops.add(item.asString());
        }
        return stops;
    }

    private static List<Message> messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiException.invalid("messages", "missing_required_parameter",
                    "Send \"messages\": a non-empty array such as [{\"role\": \"user\", \"content\": \"Hello\"}].");
        }
        if (messages.size() > MAX_MESSAGES) {
            throw OpenAiException.invalid("messages", "Send at most " + MAX_MESSAGES + " messages.");
        }
        List<Message> list = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String param = "messages[" + i + "]";
            if (!message.isObject()) {
                throw OpenAiException.invalid(param, "Each message must be an object with \"role\" and \"content\".");
            }
            String role = string(message, "role");
            if (role == null) {
                throw OpenAiException.invalid(param + ".role", "missing_required_parameter", "Each message needs a \"role\".");
            }
            switch (role) {
                case "system", "developer", "user", "assistant" -> list.add(new Message(role, content(message, param, role)));
                case "tool", "function" -> throw OpenAiException.invalid(param + ".role", "unsupported_parameter",
                        "Lectern does not call tools, so it takes no \"" + role + "\" messages.");
                default -> throw OpenAiException.invalid(param + ".role", "The role \"" + role
                        + "\" is not one of system, developer, user, assistant.");
            }
        }
        if (list.getLast().role().equals("assistant")) {
            throw OpenAiException.invalid("messages", "The last message must be the user's (or a system message):"
                    + " Lectern answers it, and does not continue an assistant message.");
        }
        return list;
    }

    /** A string, or text parts joined with newlines; null content only for an assistant (a tool call's turn). */
    private static String content(JsonNode message, String param, String role) {
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            if (role.equals("assistant")) {
                return "";
            }
            throw OpenAiException.invalid(param + ".content", "missing_required_parameter", "A " + role
                    + " message needs \"content\".");
        }
        if (content.isString()) {
            return content.asString();
        }
        if (!content.isArray()) {
            throw OpenAiException.invalid(param + ".content", "\"content\" must be a string or an array of text parts.");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(string(part, "type")) || !part.has("text")) {
                throw OpenAiException.invalid(param + ".content", "unsupported_parameter", "Lectern reads text only:"
                        + " each content part must be {\"type\": \"text\", \"text\": \"...\"}. Attach documents by id"
                        + " in \"documents\" instead of images or files.");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.get("text").asString());
        }
        return text.toString();
    }

    private static List<UUID> documents(JsonNode documents) {
        if (documents == null || documents.isNull()) {
            return List.of();
        }
        if (!documents.isArray()) {
            throw OpenAiException.invalid("documents", "\"documents\" must be an array of document ids (GET /api/documents).");
        }
        List<UUID> ids = new ArrayList<>();
        for (JsonNode id : documents) {
            try {
                ids.add(UUID.fromString(id.isString() ? id.asString() : ""));
            } catch (IllegalArgumentException notAnId) {
                throw OpenAiException.invalid("documents", "\"" + id.asString() + "\" is not a document id; ids look like"
                        + " 0f8c7d9e-1b2a-4c3d-9e8f-7a6b5c4d3e2f (GET /api/documents lists yours).");
            }
        }
        return ids;
    }

    private static boolean present(JsonNode body, String field) {
        return body.has(field) && !body.get(field).isNull();
    }

    private static String string(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw OpenAiException.invalid(field, "\"" + field + "\" must be a string.");
        }
        return value.asString();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw OpenAiException.invalid(field, "\"" + field + "\" must be true or false.");
        }
        return value.asBoolean();
    }

    private static Double number(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw OpenAiException.invalid(field, "\"" + field + "\" must be a number.");
        }
        return value.asDouble();
    }

    private static Integer integer(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw OpenAiException.invalid(field, "\"" + field + "\" must be an integer.");
        }
        return value.asInt();
    }
}
