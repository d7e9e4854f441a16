package dev.lectern.documents;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Counts tokens the way the configured model will see them; empty when no tokenizer is available. */
public interface TokenCounter {

    /** The tokens of {@code text} alone, as plain text (control-looking text stays text). */
    OptionalInt count(String text);

    /**
     * The tokens of a whole prompt in the model's chat template: a system turn of {@code systemSegments}, an
     * empty user turn and the generation prompt. What a question about these documents costs before its own
     * words.
     */
    OptionalInt countPrompt(List<String> systemSegments);

    /** Why the counts are empty, in words for the person looking at a document; empty when they work. */
    Optional<String> unavailableReason();
}
