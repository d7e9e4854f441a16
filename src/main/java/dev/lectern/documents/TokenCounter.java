package dev.lectern.documents;

import java.util.Optional;
import java.util.OptionalInt;

/** Counts tokens the way the configured model will see them; empty when no tokenizer is available. */
public interface TokenCounter {

    OptionalInt count(String text);

    /** Why {@link #count} is empty, in words for the person looking at a document; empty when it works. */
    Optional<String> unavailableReason();
}
