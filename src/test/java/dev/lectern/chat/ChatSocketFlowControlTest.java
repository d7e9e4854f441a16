package dev.lectern.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.lectern.inference.GenerationStream;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A connection's bounded buffer: a browser that stops reading never holds an answer back; once it is a
 * whole buffer behind, its answers are cancelled with a reason and the connection is closed.
 */
class ChatSocketFlowControlTest {

    @Test
    void aConnectionThatFallsAWholeBufferBehindCancelsItsAnswersAndIsClosed() {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger closes = new AtomicInteger();
        RunningAnswer answer = answer(cancelled);
        ChatSocket socket = new ChatSocket("#test", 1, 16, closes::incrementAndGet);
        assertThat(answer.attach(socket)).isTrue();

        for (int i = 0; i < 200; i++) {
            socket.send(new ServerMessage.Token(answer.requestId(), "word "));
        }

        assertThat(cancelled).as("the answer was cancelled, not waited for").isTrue();
        assertThat(closes).as("closed once").hasValue(1);
        StepVerifier.create(socket.outbound().take(3))
                .expectNextMatches(m -> m instanceof ServerMessage.Accepted)
                .expectNextCount(2)
                .verifyComplete();
    }

    @Test
    void aReaderThatKeepsUpGetsEveryMessageInOrder() {
        AtomicBoolean cancelled = new AtomicBoolean();
        ChatSocket socket = new ChatSocket("#test", 1, 16, () -> { });
        RunningAnswer answer = answer(cancelled);
        answer.attach(socket);
        StepVerifier.create(socket.outbound().skip(1).take(100).map(m -> ((ServerMessage.Token) m).text()))
                .then(() -> {
                    for (int i = 0; i < 100; i++) {
                        socket.send(new ServerMessage.Token(answer.requestId(), Integer.toString(i)));
                    }
                })
                .expectNextSequence(java.util.stream.IntStream.range(0, 100).mapToObj(Integer::toString).toList())
                .verifyComplete();
        assertThat(cancelled).isFalse();
    }

    @Test
    void aClosedConnectionLeavesItsAnswerWhichIsCancelledWhenNobodyReadsIt() {
        AtomicBoolean cancelled = new AtomicBoolean();
        RunningAnswer answer = answer(cancelled);
        ChatSocket socket = new ChatSocket("#test", 1, 16, () -> { });
        answer.attach(socket);
        socket.closed();
        assertThat(cancelled).as("grace of zero: at once").isTrue();
        assertThat(answer.attach(new ChatSocket("#again", 1, 16, () -> { })))
                .as("the answer goes on until the engine says it ended").isTrue();
    }

    /** An answer whose engine stream never sends anything; cancelling it is recorded. */
    private static RunningAnswer answer(AtomicBoolean cancelled) {
        GenerationStream stream = new GenerationStream(7, 0, Flux.never(), () -> cancelled.set(true));
        return new RunningAnswer("7", 1, UUID.randomUUID(), 42, 0, 100, stream, null, Duration.ZERO, ended -> { }, null);
    }
}
