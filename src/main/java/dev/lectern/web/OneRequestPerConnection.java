package dev.lectern.web;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

import reactor.netty.http.server.HttpServer;

/**
 * The server closes each HTTP/1.1 connection after one answer (WebSockets and event streams are one long
 * answer and are not affected).
 *
 * <p>Why: Reactor Netty's HTTP/1.1 server reads on demand. A kept-alive request that arrives before the
 * previous exchange has terminated is queued; when that queued request is answered synchronously (the
 * security filters' 401 and 403 are), {@code HttpTrafficHandler.run()} drains the queue and returns without
 * asking for the next read, so the client's next request on that connection sits unread forever, with
 * nothing logged (reactor-netty#4361; the same {@code run()} in 1.3.6, which we use, and 1.3.8). Caught in a
 * test JVM: a request's 274 bytes in the server socket's receive queue, every event loop idle; on CI a POST
 * after a 403 never got its answer. Without keep-alive there is no next request on such a connection. A new
 * connection per request costs a local handshake, well under a millisecond on the networks Lectern serves;
 * remove this once a Reactor Netty release resumes the read there.
 */
@Component
class OneRequestPerConnection implements NettyServerCustomizer {

    @Override
    public HttpServer apply(HttpServer server) {
        return server.maxKeepAliveRequests(1);
    }
}
