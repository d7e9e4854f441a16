package dev.lectern.web;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

import reactor.netty.http.server.HttpServer;

/**
 * The server closes each HTTP/1.1 connection after one answer (WebSockets and event streams are one long
 * answer and are not affected).
 *
 * <p>Why: with keep-alive, Reactor Netty 1.3 (1.3.6 here) sometimes stops reading a connection after
 * answering on it, with nothing logged: the client's next request then sits unread in the socket forever.
 * Caught in a test JVM: 274 bytes of a request in the server socket's receive queue, every event loop idle,
 * the client waiting; on CI it failed a test twice (a POST after a 403 got no answer). The pattern matches
 * reactor-netty#4361 (reads not resumed after a request answered at once, such as a security refusal),
 * reported against 1.3.7. A new connection per request costs a local handshake, well under a millisecond on
 * the networks Lectern serves; remove this once Reactor Netty carries the fix.
 */
@Component
class OneRequestPerConnection implements NettyServerCustomizer {

    @Override
    public HttpServer apply(HttpServer server) {
        return server.maxKeepAliveRequests(1);
    }
}
