package dev.lectern.engine.generation;

import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: its id, where it stood in the queue when it arrived, a way to cancel it (takes
 * effect at the engine's next step, freeing its KV), and its result, completed exceptionally with a
 * {@link GenerationFailure} when it fails.
 */
public interface RequestHandle {

    long id();

    /** Requests ahead of this one when it was submitted (0: it runs at the next step). */
    int queuePosition();

    void cancel();

    CompletableFuture<GenerationResult> result();
}
