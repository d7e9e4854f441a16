package dev.lectern.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a browser (or script) sends on the chat socket, one JSON object per message:
 * <pre>
 * {"type":"ask","conversationId":null|id,"documentIds":[…],"text":"…","params":{"maxTokens":N,"temperature":T,"topP":P,"seed":S},"replaceLast":false}
 * {"type":"cancel","requestId":"…"}
 * {"type":"watch","requestId":"…"}
 * </pre>
 * {@code replaceLast} (optional) asks again in place of the conversation's last exchange: regenerate, or
 * edit and resend. {@code watch} follows an answer that is still being written (after a reload). Anything
 * else is refused with {@code BAD_MESSAGE}, saying what was wrong.
 */
sealed interface ClientMessage {

    record Ask(UUID conversationId, List<UUID> documentIds, String text, Params params, boolean replaceLast)
            implements ClientMessage {
    }

    /** Sampling settings; null fields take the defaults. */
    record Params(Integer maxTokens, Double temperature, Double topP, Long seed) {

        static final Params DEFAULTS = new Params(null, null, null, null);

        OptionalLong seedIfSet() {
            return seed == null ? OptionalLong.empty() : OptionalLong.of(seed);
        }
    }

    record Cancel(String requestId) implements ClientMessage {
    }

    record Watch(String requestId) implements ClientMessage {
    }

    static ClientMessage parse(String json, JsonMapper mapper) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JacksonException malformed) {
            throw bad("The message is not valid JSON (" + firstLine(malformed.getOriginalMessage()) + ").");
        }
        if (root == null || !root.isObject()) {
            throw bad("Send one JSON object per message, such as {\"type\":\"ask\",...}.");
        }
        String type = text(root, "type", true);
        return switch (type) {
            case "ask" -> ask(root);
            case "cancel" -> new Cancel(text(root, "requestId", true));
            case "watch" -> new Watch(text(root, "requestId", true));
            default -> throw bad("Unknown message type \"" + type + "\"; the types are ask, cancel and watch.");
        };
    }

    private static Ask ask(JsonNode root) {
        UUID conversation = uuid(root.get("conversationId"), "conversationId");
        List<UUID> documents = new ArrayList<>();
        JsonNode ids = root.get("documentIds");
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray()) {
                throw bad("\"documentIds\" must be an array of document ids.");
            }
            for (JsonNode id : ids) {
                documents.add(uuid(id, "documentIds"));
            }
        }
        String text = text(root, "text", true);
        JsonNode params = root.get("params");
        Params parsed = Params.DEFAULTS;
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                throw bad("\"params\" must be an object such as {\"maxTokens\":512,\"temperature\":0.7}.");
            }
            parsed = new Params(integer(params, "maxTokens"), number(params, "temperature"), number(params, "topP"),
                    params.hasNonNull("seed") ? (Long) longValue(params, "seed") : null);
        }
        JsonNode replace = root.get("replaceLast");
        if (replace != null && !replace.isNull() && !replace.isBoolean()) {
            throw bad("\"replaceLast\" must be true or false.");
        }
        return new Ask(conversation, documents, text, parsed, replace != null && replace.asBoolean(false));
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw bad("The message needs a \"" + field + "\" field.");
            }
            return null;
        }
        if (!value.isString()) {
            throw bad("\"" + field + "\" must be a string.");
        }
        return value.asString();
    }

    private static UUID uuid(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            if (value.isString()) {
                return UUID.fromString(value.asString());
            }
        } catch (IllegalArgumentException notAnId) {
            // below
        }
        throw bad("\"" + field + "\" must hold ids such as \"3f2c…\" (UUIDs); got " + abbreviate(value.toString()) + ".");
    }

    private static Integer integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw bad("\"params." + field + "\" must be a whole number.");
        }
        return value.asInt();
    }

    private static long longValue(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw bad("\"params." + field + "\" must be a whole number.");
        }
        return value.asLong();
    }

    private static Double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw bad("\"params." + field + "\" must be a number.");
        }
        return value.asDouble();
    }

    private static ChatProblem bad(String message) {
        return new ChatProblem("BAD_MESSAGE", message);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "unreadable";
        }
        int end = text.indexOf('\n');
        return abbreviate(end < 0 ? text : text.substring(0, end));
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }
}
