package dev.lectern.security;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Set;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.WebSession;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/**
 * Runs after sign-in on every request and asks the {@link AccountGate} about the signed-in account: a
 * disabled or deleted account's session ends at its next request (not when it expires); an account whose
 * password someone else set may only change it (pages lead there, everything else answers 403) until it has.
 */
@Component
@Order(0) // after Spring Security's filters (-100), so the principal is known
class AccountStandingFilter implements WebFilter {

    /** What an account that must change its password may still reach: the change itself, and leaving. */
    private static final Set<String> WHILE_CHANGING_PASSWORD = Set.of("/account", "/api/me", "/api/me/password",
            "/logout", "/login", "/favicon.svg", "/error");
    private static final String CHANGE_PASSWORD_PAGE = "/account?required";

    private final AccountGate gate;
    private final BlockingWork blocking;

    AccountStandingFilter(AccountGate gate, BlockingWork blocking) {
        this.gate = gate;
        this.blocking = blocking;
    }

    private enum Verdict { PASS, CHANGE_PASSWORD, SIGNED_OUT }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return exchange.getPrincipal()
                .filter(AccountStandingFilter::isSignedIn)
                .flatMap(principal -> standing(principal.getName())
                        .map(standing -> !standing.enabled() ? Verdict.SIGNED_OUT
                                : standing.mustChangePassword() && !reachableWhileChanging(exchange) ? Verdict.CHANGE_PASSWORD
                                : Verdict.PASS)
                        .defaultIfEmpty(Verdict.SIGNED_OUT))
                .defaultIfEmpty(Verdict.PASS)
                .flatMap(verdict -> switch (verdict) {
                    case PASS -> chain.filter(exchange);
                    case CHANGE_PASSWORD -> changePasswordFirst(exchange);
                    case SIGNED_OUT -> signOut(exchange);
                });
    }

    private Mono<AccountGate.Standing> standing(String username) {
        Mono<AccountGate.Standing> read = Mono.fromCallable(() -> gate.standing(username).orElse(null));
        return gate.knows(username) ? read : read.subscribeOn(blocking.scheduler());
    }

    private static boolean isSignedIn(Principal principal) {
        return principal instanceof Authentication authentication && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken);
    }

    private static boolean reachableWhileChanging(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        return WHILE_CHANGING_PASSWORD.contains(path) || path.startsWith("/css/") || path.startsWith("/js/")
                || path.startsWith("/vendor/") || path.startsWith("/actuator/health");
    }

    private static boolean isPage(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        return HttpMethod.GET.equals(exchange.getRequest().getMethod()) && !path.startsWith("/api/")
                && !path.startsWith("/ws/") && !path.startsWith("/v1/") && !path.startsWith("/actuator/");
    }

    private static Mono<Void> changePasswordFirst(ServerWebExchange exchange) {
        if (isPage(exchange)) {
            return redirect(exchange.getResponse(), CHANGE_PASSWORD_PAGE);
        }
        return json(exchange.getResponse(), HttpStatus.FORBIDDEN, "PASSWORD_CHANGE_REQUIRED",
                "Choose a new password first: the current one was set by someone else. Open /account to change it.");
    }

    /** A disabled or removed account: its session ends now, and the request is refused. */
    private static Mono<Void> signOut(ServerWebExchange exchange) {
        Mono<Void> refuse = isPage(exchange)
                ? redirect(exchange.getResponse(), "/login?disabled")
                : json(exchange.getResponse(), HttpStatus.UNAUTHORIZED, "ACCOUNT_DISABLED",
                        "This account is disabled. Ask an admin of this Lectern to enable it again.");
        return exchange.getSession().flatMap(WebSession::invalidate).then(refuse);
    }

    private static Mono<Void> redirect(ServerHttpResponse response, String location) {
        response.setStatusCode(HttpStatus.SEE_OTHER);
        response.getHeaders().setLocation(URI.create(location));
        return response.setComplete();
    }

    private static Mono<Void> json(ServerHttpResponse response, HttpStatus status, String code, String message) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        String body = "{\"error\":\"" + code + "\",\"message\":\"" + message.replace("\"", "\\\"") + "\"}";
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
    }
}
