package dev.lectern.engine.generation;

/**
 * Asks a running generation to stop (a stop button, a closed connection). Checked between tokens and
 * between prefill chunks, so a cancelled request ends within one forward step.
 */
public final class Cancellation {

    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
