package dev.lectern.chat;

import java.net.URI;
import java.util.List;
import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Whether a WebSocket handshake comes from Lectern's own pages. A handshake is a GET, which CSRF protection
 * does not cover, and browsers send the session cookie with it from any site; so a page elsewhere could
 * open the socket as the signed-in user unless its {@code Origin} is checked. Browsers always send
 * {@code Origin} on a handshake; scripts (HTTP Basic) usually do not, and need none.
 *
 * <p>Own origin: the {@code Origin}'s host and port equal the {@code Host} header's. The scheme is not
 * compared, so a proxy that ends TLS in front of Lectern works; {@code lectern.chat.allowed-origins} adds
 * origins for proxies that also rewrite the host.
 */
final class OriginCheck {

    private final List<String> allowed;

    OriginCheck(List<String> allowedOrigins) {
        this.allowed = allowedOrigins.stream().map(OriginCheck::normalize).toList();
    }

    boolean allows(ServerHttpRequest request) {
        String origin = request.getHeaders().getOrigin();
        if (origin == null) {
            return true;
        }
        if (allowed.contains(normalize(origin))) {
            return true;
        }
        String host = request.getHeaders().getFirst(HttpHeaders.HOST);
        if (host == null) {
            return false;
        }
        try {
            URI from = URI.create(origin);
            URI own = URI.create("http://" + host);
            return from.getHost() != null && from.getHost().equalsIgnoreCase(own.getHost())
                    && from.getPort() == own.getPort();
        } catch (IllegalArgumentException unreadable) {
            return false;
        }
    }

    private static String normalize(String origin) {
        String lower = origin.strip().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
