package dev.lectern.quotas;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.inference.GenerationEvent;
import dev.lectern.inference.GenerationStream;

/**
 * One admitted request's place in its user's quota. {@link #track} ties it to the request's stream: the
 * place is given back when the events end (done, failed, or the reader cancelled) or when the stream is
 * cancelled without ever being read, and the computed tokens are charged when the answer is done. A request
 * that never reaches the engine (refused, or its caller failed first) calls {@link #release} itself.
 * Releasing twice is harmless.
 */
public final class QuotaTicket {

    private final Runnable giveBack;
    private final LongConsumer charge;
    private final AtomicBoolean released = new AtomicBoolean();

    QuotaTicket(Runnable giveBack, LongConsumer charge) {
        this.giveBack = giveBack;
        this.charge = charge;
    }

    /** The same request, whose end gives the place back and charges its tokens. */
    public GenerationStream track(GenerationStream stream) {
        return new GenerationStream(stream.requestId(), stream.queuePosition(), stream.events()
                .doOnNext(event -> {
                    if (event instanceof GenerationEvent.Done done) {
                        charge.accept(computedTokens(done.stats()));
                    }
                })
                .doFinally(signal -> release()),
                () -> {
                    stream.cancel();
                    // A cancelled stream whose events were never read would otherwise hold the place forever.
                    release();
                });
    }

    /** Gives the place back now. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            giveBack.run();
        }
    }

    /** What the engine did for the request: the prompt tokens it encoded (not the cached ones) and those it generated. */
    static long computedTokens(GenerationStats stats) {
        return Math.max(0, stats.promptTokens() - stats.cachedTokens()) + (long) stats.generatedTokens();
    }
}
