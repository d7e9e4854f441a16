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
    /**
     * Text extracted and, when a model is configured, counted and found to fit in the context, but not
     * encoded: there is no model, or encoding failed (the note says why; questions still work, paying the
     * encoding themselves).
     */
    EXTRACTED,
    /** Text extracted, but it does not fit in the model's context; kept, never truncated. */
    TOO_LONG,
    FAILED,
    /** Counted, fits, and its prefix (system prompt and document) is being encoded into the cache. */
    ENCODING,
    /** Encoded and cached (RAM and disk): a question costs only its own tokens. */
    READY;

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
        return this == EXTRACTED || this == TOO_LONG || this == FAILED || this == READY;
    }

    /**
     * Whether a question may be asked about the document now: its text is extracted and fits the context.
     * While it is encoded, a question pays for the part not encoded yet; once ready it starts from the cache.
     */
    public boolean isAskable() {
        return this == EXTRACTED || this == ENCODING || this == READY;
    }
}
