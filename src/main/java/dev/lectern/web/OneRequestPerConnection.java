package dev.lectern.web;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Every answer to a request without a body (but a WebSocket handshake) says {@code Connection: close}, so
 * the server closes the connection after it. Runs first, so the security filters' refusals carry it too.
 *
 * <p>Why: Reactor Netty's HTTP/1.1 server reads on demand. A kept-alive request that arrives before the
 * previous exchange has terminated is queued; when that queued request is answered synchronously (the
 * security filters' 401 and 403 are), {@code HttpTrafficHandler.run()} drains the queue and returns without
 * asking for the next read, so the client's next request on that connection sits unread forever, with
 * nothing logged (reactor-netty#4361; the same {@code run()} in 1.3.6, which we use, and 1.3.8). Caught in a
 * test JVM: a request's 274 bytes in the server socket's receive queue, every event loop idle; on CI a POST
 * after a 403 never got its answer. Without keep-alive there is no next request on such a connection.
 *
 * <p>Requests with a body keep their connection: answered early (413 from the declared length, say), the
 * client is still sending, and closing would reset the connection before it reads the answer; kept alive,
 * Reactor Netty reads and drops the rest. The stall can still follow such a request when it is refused at
 * once (a session write without its CSRF token), more rarely.
 *
 * <p>Not through the server's {@code maxKeepAliveRequests(1)}: that also marks a WebSocket's handshake as the
 * connection's last exchange, and chat sockets then sometimes never read their first message. A new
 * connection per request costs a local handshake, well under a millisecond on the networks Lectern serves;
 * remove this once a Reactor Netty release resumes the read there.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class OneRequestPerConnection implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        HttpHeaders request = exchange.getRequest().getHeaders();
        boolean hasBody = request.getContentLength() > 0 || request.containsHeader(HttpHeaders.TRANSFER_ENCODING);
        if (!hasBody && !"websocket".equalsIgnoreCase(request.getFirst(HttpHeaders.UPGRADE))) {
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
        }
        return chain.filter(exchange);
    }
}
