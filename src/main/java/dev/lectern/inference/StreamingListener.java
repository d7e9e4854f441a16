package dev.lectern.inference;

import java.util.Locale;

import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.PrefillProgress;
import dev.lectern.engine.sampling.FinishReason;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * Hands the engine's events to a reactive stream without ever blocking the engine thread: each event goes
 * into a bounded buffer the subscriber drains at its own pace. A client that falls {@value #BUFFERED_EVENTS}
 * events behind (a stalled connection) has its request cancelled, with a reason, instead of holding the
 * engine or growing memory without bound.
 */
final class StreamingListener implements GenerationListener {

    /** Events a subscriber may fall behind: minutes of tokens for a reader, nothing for the engine. */
    static final int BUFFERED_EVENTS = 4096;

    private final Sinks.Many<GenerationEvent> sink =
            Sinks.many().unicast().onBackpressureBuffer(Queues.<GenerationEvent>get(BUFFERED_EVENTS).get());
    private final Cancellation cancellation;

    StreamingListener(Cancellation cancellation) {
        this.cancellation = cancellation;
    }

    Sinks.Many<GenerationEvent> sink() {
        return sink;
    }

    @Override
    public void onStarted(int cachedTokens) {
        emit(new GenerationEvent.Started(cachedTokens));
    }

    @Override
    public void onProgress(PrefillProgress progress) {
        emit(new GenerationEvent.Progress(progress.done(), progress.total(),
                progress.etaNanos() < 0 ? -1 : progress.etaNanos() / 1e9));
    }

    @Override
    public void onToken(int token, String text, long elapsedNanos) {
        emit(new GenerationEvent.Token(token, text));
    }

    @Override
    public void onFinished(GenerationResult result) {
        emit(new GenerationEvent.Done(finishReason(result.stats().finishReason()), result.stats(), result.tokens()));
        sink.tryEmitComplete();
    }

    @Override
    public void onFailed(GenerationFailure failure) {
        emit(new GenerationEvent.Failed(failure.code().name(), failure.getMessage()));
        sink.tryEmitComplete();
    }

    /** OpenAI's vocabulary, which the chat protocol and the API share. */
    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_STRING -> "stop";
            case MAX_TOKENS -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    /** Called by the submitting thread before the engine thread can call anything else. */
    synchronized void emit(GenerationEvent event) {
        Sinks.EmitResult result = sink.tryEmitNext(event);
        if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
            cancellation.cancel(String.format(Locale.ROOT, "the client fell %d events behind", BUFFERED_EVENTS));
        }
    }
}
