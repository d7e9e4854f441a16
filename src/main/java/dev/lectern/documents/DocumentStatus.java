package dev.lectern.documents;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a document is on its way to being readable by the model. The order is the order of work, so a
 * later status never goes back to an earlier one (except when a restarted server redoes unfinished work).
 */
public enum DocumentStatus {
    UPLOADED,
    EXTRACTING,
    TOKENIZING,
    /** Text extracted and, when a model is configured, counted and found to fit in the context. */
    EXTRACTED,
    /** Text extracted, but it does not fit in the model's context; kept, never truncated. */
    TOO_LONG,
    FAILED;

    /** The value stored in PostgreSQL and shown in the API: {@code too_long}. */
    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DocumentStatus fromCode(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }

    /** No more work will happen for the document: event streams complete here. */
    public boolean isFinal() {
        return this == EXTRACTED || this == TOO_LONG || this == FAILED;
    }

    /**
     * Whether a question may be asked about the document now: its text is extracted and fits the context.
     * (When documents gain an encoded prefix, a document being encoded or ready is askable too.)
     */
    public boolean isAskable() {
        return this == EXTRACTED;
    }
}
