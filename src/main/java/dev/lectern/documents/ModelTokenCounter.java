package dev.lectern.documents;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.springframework.stereotype.Component;

import dev.lectern.inference.EngineState;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.EngineUnavailableException;
import dev.lectern.inference.InferenceService;

/**
 * Counts with the engine's own tokenizer and chat template, so a document's count is exactly what the model
 * will read and no second copy of the vocabulary is kept. A count asked for while the model is still loading
 * waits for it (extraction runs on its own threads); without a model, or if it failed to load, the counts
 * are empty and {@link #unavailableReason} says why.
 */
@Component
class ModelTokenCounter implements TokenCounter {

    /** How long a count waits for a model that is still loading. */
    static final Duration LOAD_WAIT = Duration.ofMinutes(5);

    private final InferenceService inference;

    ModelTokenCounter(InferenceService inference) {
        this.inference = inference;
    }

    @Override
    public OptionalInt count(String text) {
        if (!ready()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(inference.encodeText(text).length);
        } catch (EngineUnavailableException stopped) {
            return OptionalInt.empty();
        }
    }

    @Override
    public OptionalInt countPrompt(List<String> systemSegments) {
        if (!ready()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(inference.chatTokens().system(systemSegments).user("", false).length());
        } catch (EngineUnavailableException stopped) {
            return OptionalInt.empty();
        }
    }

    @Override
    public Optional<String> unavailableReason() {
        EngineStatus status = inference.status();
        if (status.state() == EngineState.READY) {
            return Optional.empty();
        }
        String why = status.message() != null ? status.message() : "The model is " + status.state().name()
                .toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ".";
        return Optional.of(why + " So the token count, and whether the document fits the model's context, are unknown.");
    }

    private boolean ready() {
        return inference.awaitReady(LOAD_WAIT).state() == EngineState.READY;
    }
}
