package dev.lectern.conversations;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where an answer stands. A question is {@code complete} as soon as it is stored; an answer is
 * {@code streaming} while the engine writes it, then {@code complete} (the model ended it, or it reached
 * its token limit), {@code cancelled} (stopped by its reader, or its connection went away) or
 * {@code failed} (the engine could not finish it; the message's error says why).
 */
public enum MessageStatus {
    STREAMING,
    COMPLETE,
    CANCELLED,
    FAILED;

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MessageStatus fromCode(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
