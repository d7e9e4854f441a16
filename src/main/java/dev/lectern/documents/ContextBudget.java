package dev.lectern.documents;

import java.text.NumberFormat;
import java.util.Locale;
import java.util.function.IntSupplier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.lectern.config.LecternProperties;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;

/**
 * Whether documents fit the model: system prompt + documents + the tokens reserved for the answer must
 * not exceed the context window. Nothing is ever cut to make it fit; a document that does not fit says
 * by how much.
 */
@Component
class ContextBudget {

    /** The outcome: {@code needed} tokens of {@code contextLength}; {@code message} explains a misfit. */
    record Fit(boolean fits, int needed, int contextLength, String message) {
    }

    private final int configuredContext;
    private final IntSupplier engineContext;
    private final int reservedAnswerTokens;

    @Autowired
    ContextBudget(LecternProperties properties, InferenceService inference) {
        this(properties, () -> {
            EngineStatus status = inference.status();
            return status.ready() ? status.contextLength() : 0;
        });
    }

    /** {@code engineContext}: the loaded engine's context (the configured one, or less if the model's is shorter), or 0. */
    ContextBudget(LecternProperties properties, IntSupplier engineContext) {
        this.configuredContext = properties.model().contextLength();
        this.engineContext = engineContext;
        this.reservedAnswerTokens = properties.chat().reservedAnswerTokens();
    }

    /**
     * @param documentTokens the document's own text
     * @param promptTokens   the whole prompt with this document: system prompt, header, delimiters, text
     */
    Fit check(int documentTokens, int promptTokens) {
        int engine = engineContext.getAsInt();
        int contextLength = engine > 0 ? Math.min(engine, configuredContext) : configuredContext;
        String limit = contextLength < configuredContext ? "the model's own context; lectern.model.context-length asks for "
                + NumberFormat.getIntegerInstance(Locale.ROOT).format(configuredContext) : "lectern.model.context-length";
        long needed = (long) promptTokens + reservedAnswerTokens;
        if (needed <= contextLength) {
            return new Fit(true, (int) needed, contextLength, null);
        }
        NumberFormat n = NumberFormat.getIntegerInstance(Locale.ROOT);
        String message = "Too long for the model: the document is " + n.format(documentTokens) + " tokens. With the "
                + "system prompt and " + n.format(reservedAnswerTokens) + " tokens kept for the answer it needs "
                + n.format(needed) + " tokens, but the context holds " + n.format(contextLength) + " (" + limit + "): "
                + n.format(needed - contextLength) + " tokens over. Nothing was cut; split "
                + "the document or use a longer context.";
        return new Fit(false, (int) Math.min(needed, Integer.MAX_VALUE), contextLength, message);
    }
}
