package dev.lectern.conversations;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** Who wrote a message: the person asking, or the model answering. */
public enum MessageRole {
    USER,
    ASSISTANT;

    /** As stored and shown: {@code user}, {@code assistant}. */
    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MessageRole fromCode(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
