package dev.lectern.engine.generation;

/**
 * Asks a generation to stop (a stop button, a closed connection, a client too slow to read). Checked
 * between forward steps, so a cancelled request ends within one step; the engine registers a wake-up so
 * that an idle or waiting engine notices at once.
 */
public final class Cancellation {

    private volatile boolean cancelled;
    private volatile String reason;
    private volatile Runnable wakeUp;

    public void cancel() {
        cancel("cancelled");
    }

    /** Cancels, recording why (the first reason given wins). */
    public void cancel(String why) {
        if (reason == null) {
            reason = why;
        }
        cancelled = true;
        Runnable engine = wakeUp;
        if (engine != null) {
            engine.run();
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Why it was cancelled, or null while it is not. */
    public String reason() {
        return reason;
    }

    /** Called on {@link #cancel} by the engine that runs the request, so it need not poll while idle. */
    public void onCancel(Runnable engineWakeUp) {
        wakeUp = engineWakeUp;
        if (cancelled) {
            engineWakeUp.run();
        }
    }
}
