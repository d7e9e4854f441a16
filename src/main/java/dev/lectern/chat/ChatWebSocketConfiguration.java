package dev.lectern.chat;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.support.WebSocketHandlerAdapter;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

import dev.lectern.config.LecternProperties;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * Maps {@code /ws/chat} to the chat handler. Handshakes from other sites' pages are refused with 403
 * ({@link OriginCheck}); signing in is the security chain's job. Netty accepts frames up to four times
 * {@code lectern.chat.max-message-size}, so a message over the limit but under that gets an {@code error}
 * and the socket stays open; only a far larger frame closes the connection (status 1009).
 */
@Configuration(proxyBeanMethods = false)
class ChatWebSocketConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ChatWebSocketConfiguration.class);
    static final String PATH = "/ws/chat";

    @Bean
    HandlerMapping chatWebSocketMapping(ChatWebSocketHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of(PATH, handler), -1);
    }

    @Bean
    WebSocketHandlerAdapter chatWebSocketHandlerAdapter(LecternProperties properties) {
        long limit = properties.chat().maxMessageSize().toBytes();
        int frames = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(64 * 1024, 4 * limit));
        HandshakeWebSocketService handshakes = new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy(
                () -> WebsocketServerSpec.builder().maxFramePayloadLength(frames)));
        OriginCheck origins = new OriginCheck(properties.chat().allowedOrigins());
        WebSocketService checked = new WebSocketService() {
            @Override
            public Mono<Void> handleRequest(org.springframework.web.server.ServerWebExchange exchange,
                    org.springframework.web.reactive.socket.WebSocketHandler socketHandler) {
                if (!origins.allows(exchange.getRequest())) {
                    log.warn("Refused a chat connection from the page {} (not this server's origin; see"
                            + " lectern.chat.allowed-origins)", exchange.getRequest().getHeaders().getOrigin());
                    exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
                    return exchange.getResponse().setComplete();
                }
                return handshakes.handleRequest(exchange, socketHandler);
            }
        };
        return new WebSocketHandlerAdapter(checked);
    }
}
