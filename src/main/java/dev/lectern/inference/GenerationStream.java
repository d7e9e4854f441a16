package dev.lectern.inference;

import reactor.core.publisher.Flux;

/**
 * A submitted request: its id, how many requests were ahead of it, and its events, which end with
 * {@code Done} or {@code Failed}. Cancelling the subscription, or calling {@link #cancel}, cancels the
 * request at the engine's next step (a closed browser tab or connection); the events can be subscribed
 * to once.
 */
public record GenerationStream(long requestId, int queuePosition, Flux<GenerationEvent> events, Runnable canceller) {

    /** Cancels the request, whether or not its events were ever subscribed to. */
    public void cancel() {
        canceller.run();
    }
}
