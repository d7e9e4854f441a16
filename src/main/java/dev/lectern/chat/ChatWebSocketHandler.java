package dev.lectern.chat;

import java.security.Principal;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /ws/chat}: one connection per page, carrying any number of conversations. Messages are read as
 * they come (several at once, so a cancel never waits behind a long question being prepared) and every
 * refusal is an {@code error} message on a socket that stays open. See {@link ClientMessage} and
 * {@link ServerMessage} for the protocol and {@link ChatSocket} for flow control.
 */
@Component
class ChatWebSocketHandler implements WebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(ChatWebSocketHandler.class);
    /** Messages of one connection handled at once. */
    private static final int CONCURRENT_MESSAGES = 8;
    /** A connection that fell behind is closed with this (application-defined) status, which the page shows. */
    static final CloseStatus FELL_BEHIND = new CloseStatus(4008, "fell behind; answers stopped");

    private final ChatService chat;
    private final RunningAnswers running;
    private final JsonMapper json;
    private final LecternProperties.Chat settings;
    private final BlockingWork blocking;
    private final AtomicLong connections = new AtomicLong();

    ChatWebSocketHandler(ChatService chat, RunningAnswers running, JsonMapper json, LecternProperties properties,
            BlockingWork blocking) {
        this.chat = chat;
        this.running = running;
        this.json = json;
        this.settings = properties.chat();
        this.blocking = blocking;
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        return session.getHandshakeInfo().getPrincipal()
                .flatMap(principal -> Mono.fromCallable(() -> chat.ownerId(principal.getName()))
                        .subscribeOn(blocking.scheduler())
                        .flatMap(owner -> serve(session, principal, owner)))
                .switchIfEmpty(Mono.defer(() -> session.close(CloseStatus.POLICY_VIOLATION)));
    }

    private Mono<Void> serve(WebSocketSession session, Principal principal, long owner) {
        String description = "#" + connections.incrementAndGet() + " of " + principal.getName();
        ChatSocket socket = new ChatSocket(description, owner, settings.socketBuffer(),
                () -> session.close(FELL_BEHIND).subscribe());
        log.debug("Chat connection {} opened", description);
        Mono<Void> output = session.send(socket.outbound().map(message -> session.textMessage(json.writeValueAsString(message))));
        Mono<Void> input = session.receive()
                .map(this::read)
                .flatMap(frame -> handle(socket, frame), CONCURRENT_MESSAGES)
                .then()
                .doFinally(signal -> socket.closed());
        return Mono.when(input, output)
                .doFinally(signal -> {
                    socket.closed();
                    log.debug("Chat connection {} closed ({})", description, signal);
                });
    }

    /** A frame's text, read at once (its buffer is released after this), or why it cannot be read. */
    private Frame read(WebSocketMessage message) {
        if (message.getType() != WebSocketMessage.Type.TEXT) {
            return new Frame(null, new ChatProblem("BAD_MESSAGE", "Send JSON text messages, not binary ones."));
        }
        int bytes = message.getPayload().readableByteCount();
        long limit = settings.maxMessageSize().toBytes();
        if (bytes > limit) {
            return new Frame(null, new ChatProblem("TOO_LARGE", "The message is " + bytes + " bytes; the most is "
                    + limit + " (lectern.chat.max-message-size). Ask a shorter question."));
        }
        return new Frame(message.getPayloadAsText(), null);
    }

    private record Frame(String text, ChatProblem problem) {
    }

    private Mono<Void> handle(ChatSocket socket, Frame frame) {
        if (frame.problem() != null) {
            socket.send(ServerMessage.Error.of(frame.problem()));
            return Mono.empty();
        }
        ClientMessage message;
        try {
            message = ClientMessage.parse(frame.text(), json);
        } catch (ChatProblem problem) {
            socket.send(ServerMessage.Error.of(problem));
            return Mono.empty();
        }
        return switch (message) {
            case ClientMessage.Ask ask -> Mono.fromRunnable(() -> chat.ask(socket.ownerId(), ask, socket))
                    .subscribeOn(blocking.scheduler())
                    .onErrorResume(failure -> {
                        socket.send(ServerMessage.Error.of(problem(failure, ask)));
                        return Mono.empty();
                    })
                    .then();
            case ClientMessage.Cancel cancel -> {
                running.find(socket.ownerId(), cancel.requestId()).ifPresentOrElse(answer -> answer.cancel(null),
                        () -> socket.send(notRunning(cancel.requestId())));
                yield Mono.empty();
            }
            case ClientMessage.Watch watch -> {
                boolean attached = running.find(socket.ownerId(), watch.requestId())
                        .map(answer -> answer.attach(socket)).orElse(false);
                if (!attached) {
                    socket.send(notRunning(watch.requestId()));
                }
                yield Mono.empty();
            }
        };
    }

    private static ChatProblem problem(Throwable failure, ClientMessage.Ask ask) {
        if (failure instanceof ChatProblem problem) {
            return problem;
        }
        log.error("A question in conversation {} failed unexpectedly", ask.conversationId(), failure);
        return new ChatProblem("INTERNAL_ERROR", "Something went wrong on the server while preparing the answer; "
                + "nothing was saved. The server log has the details.", null, ask.conversationId());
    }

    private static ServerMessage.Error notRunning(String requestId) {
        return new ServerMessage.Error(requestId, "NOT_RUNNING",
                "That answer is no longer being written; reload the conversation to see it.", null);
    }
}
