package dev.lectern.documents;

import java.util.concurrent.Executor;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import reactor.netty.Connection;

/**
 * The event loop of the connection a request came on, as an {@link Executor}: the one thread on which
 * Reactor Netty and Spring's multipart parser handle that request's body. Signals sent to the body from
 * that thread cannot race the parser (see {@link UploadReceiver}). Off Reactor Netty the signals run
 * where they are sent.
 */
final class ConnectionEventLoop {

    private ConnectionEventLoop() {
    }

    static Executor of(ServerWebExchange exchange) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        } catch (IllegalArgumentException notAServerRequest) {
            return Runnable::run;
        }
        if (nativeRequest instanceof Connection connection) {
            var eventLoop = connection.channel().eventLoop();
            return task -> {
                if (eventLoop.inEventLoop()) {
                    task.run();
                } else {
                    eventLoop.execute(task);
                }
            };
        }
        return Runnable::run;
    }
}
