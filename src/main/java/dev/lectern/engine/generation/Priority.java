package dev.lectern.engine.generation;

/**
 * Who is waiting for a request: a person reading the answer, or nobody yet (encoding an uploaded
 * document). Interactive requests are admitted and get prefill budget first.
 */
public enum Priority {
    INTERACTIVE,
    BACKGROUND
}
