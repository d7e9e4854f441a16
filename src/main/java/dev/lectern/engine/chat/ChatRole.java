package dev.lectern.engine.chat;

/** Who speaks in a chat turn; the lower-case name is what ChatML writes after {@code <|im_start|>}. */
public enum ChatRole {
    SYSTEM,
    USER,
    ASSISTANT;

    String chatMlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
