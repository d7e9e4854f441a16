package dev.lectern.api.openai;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A refused API request, in the terms of OpenAI's error object: an HTTP status, a {@code type}
 * ({@code invalid_request_error}, {@code rate_limit_error}, ...), the request field at fault ({@code param},
 * may be null), a stable {@code code}, and a message for the person reading it. The official clients turn the
 * status into their own error classes (400 BadRequestError, 404 NotFoundError, 429 RateLimitError, ...).
 */
final class OpenAiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final Duration retryAfter;

    OpenAiException(HttpStatus status, String type, String param, String code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    static OpenAiException invalid(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, "invalid_value", message, null);
    }

    static OpenAiException invalid(String param, String code, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, code, message, null);
    }

    HttpStatus status() {
        return status;
    }

    /** Seconds to wait before trying again (429, 503), or null. */
    Duration retryAfter() {
        return retryAfter;
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    Map<String, Object> body() {
        return body(getMessage(), type, param, code);
    }

    static Map<String, Object> body(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
