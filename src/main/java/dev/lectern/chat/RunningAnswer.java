package dev.lectern.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.lectern.config.BlockingWork;
import dev.lectern.conversations.AnswerStats;
import dev.lectern.conversations.ConversationService;
import dev.lectern.conversations.MessageStatus;
import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.inference.GenerationEvent;
import dev.lectern.inference.GenerationStream;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One answer being written, owned by the server rather than by a connection: it reads the engine's events
 * as they come (so the engine never waits for a browser), keeps the text so far, and passes each event on
 * to the sockets reading it. A page that reloads attaches again and gets the text so far, then the rest.
 * When the last reader leaves, the answer goes on for {@code grace} and is then cancelled. At its end the
 * answer is saved (text, generated ids, status, statistics) before its readers hear {@code done}, so a
 * reader that then asks for the conversation finds it saved.
 */
final class RunningAnswer {

    private static final Logger log = LoggerFactory.getLogger(RunningAnswer.class);
    static final String NOBODY_READING = "nobody was reading it: the page showing it was closed";

    private final String requestId;
    private final long ownerId;
    private final UUID conversationId;
    private final long answerId;
    private final int queuePosition;
    private final int promptTokens;
    private final GenerationStream stream;
    private final ConversationService conversations;
    private final Duration grace;
    private final Consumer<RunningAnswer> onEnded;
    private final BlockingWork blocking;
    /** Why it was cancelled, when not by its reader; set without the lock, so any thread may cancel. */
    private final AtomicReference<String> cancelReason = new AtomicReference<>();

    /** Guarded by this. */
    private final StringBuilder text = new StringBuilder();
    private final Set<AnswerListener> listeners = new LinkedHashSet<>();
    private ServerMessage.Progress progress;
    private int cachedTokens;
    private boolean ending;
    private boolean ended;
    private Disposable graceTimer;

    RunningAnswer(String requestId, long ownerId, UUID conversationId, long answerId, int queuePosition,
            int promptTokens, GenerationStream stream, ConversationService conversations, Duration grace,
            Consumer<RunningAnswer> onEnded, BlockingWork blocking) {
        this.requestId = requestId;
        this.ownerId = ownerId;
        this.conversationId = conversationId;
        this.answerId = answerId;
        this.queuePosition = queuePosition;
        this.promptTokens = promptTokens;
        this.stream = stream;
        this.conversations = conversations;
        this.grace = grace;
        this.onEnded = onEnded;
        this.blocking = blocking;
    }

    String requestId() {
        return requestId;
    }

    long ownerId() {
        return ownerId;
    }

    UUID conversationId() {
        return conversationId;
    }

    long answerId() {
        return answerId;
    }

    synchronized String textSoFar() {
        return text.toString();
    }

    /** Starts reading the engine's events; call after the first reader is attached. */
    void start() {
        stream.events().subscribe(this::on, this::engineFailed, () -> {
            synchronized (this) {
                if (ending) {
                    return;
                }
            }
            end(MessageStatus.FAILED, null, null, "ENGINE_ERROR", "The engine ended the answer without a result.",
                    null);
        });
    }

    /**
     * Adds a reader: it first gets {@code accepted} and what was written so far (or the encoding progress),
     * then every later event. False when the answer has ended (its readers have heard {@code done}).
     */
    synchronized boolean attach(AnswerListener listener) {
        if (ended) {
            return false;
        }
        if (graceTimer != null) {
            graceTimer.dispose();
            graceTimer = null;
        }
        listener.send(new ServerMessage.Accepted(requestId, conversationId, answerId, queuePosition));
        if (!text.isEmpty()) {
            listener.send(new ServerMessage.Token(requestId, text.toString()));
        } else if (progress != null) {
            listener.send(progress);
        }
        listeners.add(listener);
        listener.following(this);
        return true;
    }

    /** Removes a reader; when none is left, the answer is cancelled after the grace period. */
    synchronized void detach(AnswerListener listener) {
        if (!listeners.remove(listener) || !listeners.isEmpty() || ending) {
            return;
        }
        if (grace.isZero()) {
            cancel(NOBODY_READING);
        } else {
            graceTimer = Schedulers.parallel().schedule(() -> {
                synchronized (this) {
                    if (!listeners.isEmpty() || ending) {
                        return;
                    }
                }
                log.info("Stopping answer {} in conversation {}: no page has shown it for {} s", requestId,
                        conversationId, grace.toSeconds());
                cancel(NOBODY_READING);
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops the answer at the engine's next step; it then ends {@code cancelled} with the text so far.
     * {@code reason} is saved with it (null: its reader pressed stop).
     */
    void cancel(String reason) {
        if (reason != null) {
            cancelReason.compareAndSet(null, reason);
        }
        stream.cancel();
    }

    private void on(GenerationEvent event) {
        switch (event) {
            case GenerationEvent.Started started -> {
                synchronized (this) {
                    cachedTokens = started.cachedTokens();
                    progress = new ServerMessage.Progress(requestId, started.cachedTokens(), promptTokens, null);
                    deliver(progress);
                }
            }
            case GenerationEvent.Progress p -> {
                synchronized (this) {
                    progress = new ServerMessage.Progress(requestId, p.done(), p.total(),
                            p.etaSeconds() < 0 ? null : Math.round(p.etaSeconds() * 10) / 10.0);
                    deliver(progress);
                }
            }
            case GenerationEvent.Token token -> {
                if (!token.text().isEmpty()) {
                    synchronized (this) {
                        text.append(token.text());
                        deliver(new ServerMessage.Token(requestId, token.text()));
                    }
                }
            }
            case GenerationEvent.Done done -> {
                boolean cancelled = "cancelled".equals(done.finishReason());
                String reason = cancelReason.get();
                end(cancelled ? MessageStatus.CANCELLED : MessageStatus.COMPLETE, done.finishReason(), done.tokens(),
                        null, cancelled ? reason : null, stats(done.stats()));
            }
            case GenerationEvent.Failed failed -> end(MessageStatus.FAILED, null, null, failed.code(), failed.message(),
                    null);
        }
    }

    private void engineFailed(Throwable failure) {
        log.error("Answer {} in conversation {} failed in the engine's event stream", requestId, conversationId, failure);
        end(MessageStatus.FAILED, null, null, "ENGINE_ERROR",
                "The engine failed while answering (the server log has the details); ask again.", null);
    }

    /** Saves the answer, then tells its readers, then leaves the registry. */
    private void end(MessageStatus status, String finishReason, int[] tokenIds, String code, String error,
            AnswerStats stats) {
        String content;
        AnswerStats saved;
        synchronized (this) {
            if (ending) {
                return;
            }
            ending = true;
            if (graceTimer != null) {
                graceTimer.dispose();
            }
            content = text.toString();
            saved = stats != null ? stats : new AnswerStats(promptTokens, cachedTokens, null, null, null);
        }
        ServerMessage last = status == MessageStatus.FAILED
                ? new ServerMessage.Error(requestId, code, error, conversationId)
                : new ServerMessage.Done(requestId, finishReason, saved);
        Mono.fromRunnable(() -> conversations.finishAnswer(answerId, content, tokenIds, status, finishReason, error, saved))
                .subscribeOn(blocking.scheduler())
                .doOnError(failure -> log.error("Could not save answer {} of conversation {}", answerId, conversationId,
                        failure))
                .onErrorComplete()
                .doFinally(signal -> {
                    List<AnswerListener> readers;
                    synchronized (this) {
                        ended = true;
                        readers = new ArrayList<>(listeners);
                        listeners.clear();
                        for (AnswerListener reader : readers) {
                            reader.send(last);
                        }
                    }
                    onEnded.accept(this);
                })
                .subscribe();
        if (status == MessageStatus.FAILED) {
            log.warn("Answer {} in conversation {} failed: {} {}", requestId, conversationId, code, error);
        }
    }

    /** Called with the lock held. */
    private void deliver(ServerMessage message) {
        for (AnswerListener listener : List.copyOf(listeners)) {
            listener.send(message);
        }
    }

    private static AnswerStats stats(GenerationStats stats) {
        return new AnswerStats(stats.promptTokens(), stats.cachedTokens(), stats.generatedTokens(),
                Math.round(stats.timeToFirstTokenNanos() / 1e6), Math.round(stats.decodeTokensPerSecond() * 100) / 100.0);
    }
}
