package dev.lectern.chat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One browser connection to {@code /ws/chat}: the answers it reads, and its outgoing messages in a bounded
 * buffer that the connection drains at its own pace. Answers never wait for it: a connection that falls
 * {@code buffer} messages behind (a stalled browser) has its answers cancelled, saying why, and is closed;
 * the page reconnects and shows what was saved. Closing the connection detaches it from its answers, which
 * are cancelled when no other page reads them (after the grace period, see {@link RunningAnswer}).
 */
final class ChatSocket implements AnswerListener {

    private static final Logger log = LoggerFactory.getLogger(ChatSocket.class);
    static final String FELL_BEHIND = "the connection could not keep up with the answer";

    private final String description;
    private final long ownerId;
    private final Sinks.Many<ServerMessage> outbound;
    private final Runnable closeConnection;
    private final Map<String, RunningAnswer> reading = new ConcurrentHashMap<>();
    /** Guarded by this. */
    private boolean closed;
    private boolean overflowed;

    ChatSocket(String description, long ownerId, int buffer, Runnable closeConnection) {
        this.description = description;
        this.ownerId = ownerId;
        this.outbound = Sinks.many().unicast().onBackpressureBuffer(Queues.<ServerMessage>get(buffer).get());
        this.closeConnection = closeConnection;
    }

    long ownerId() {
        return ownerId;
    }

    Flux<ServerMessage> outbound() {
        return outbound.asFlux();
    }

    @Override
    public void following(RunningAnswer answer) {
        boolean gone;
        synchronized (this) {
            gone = closed || overflowed;
            if (!gone) {
                reading.put(answer.requestId(), answer);
            }
        }
        if (gone) {
            answer.detach(this);
        }
    }

    @Override
    public void send(ServerMessage message) {
        boolean fellBehind = false;
        synchronized (this) {
            if (closed || overflowed) {
                return;
            }
            Sinks.EmitResult result = outbound.tryEmitNext(message);
            // A full buffer is an overflow whether or not the connection has started reading yet.
            if (result == Sinks.EmitResult.FAIL_OVERFLOW || result == Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER) {
                overflowed = true;
                fellBehind = true;
            }
        }
        if (message instanceof ServerMessage.Done done) {
            reading.remove(done.requestId());
        } else if (message instanceof ServerMessage.Error error && error.requestId() != null) {
            reading.remove(error.requestId());
        }
        if (fellBehind) {
            List<RunningAnswer> answers = List.copyOf(reading.values());
            log.warn("Chat connection {} fell behind by its whole buffer; stopping its {} answer(s) and closing it",
                    description, answers.size());
            answers.forEach(answer -> answer.cancel(FELL_BEHIND));
            closeConnection.run();
        }
    }

    /** The connection is gone: stop sending, and leave every answer it read. */
    void closed() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            outbound.tryEmitComplete();
        }
        List<RunningAnswer> answers = List.copyOf(reading.values());
        reading.clear();
        answers.forEach(answer -> answer.detach(this));
    }

    @Override
    public String toString() {
        return description;
    }
}
