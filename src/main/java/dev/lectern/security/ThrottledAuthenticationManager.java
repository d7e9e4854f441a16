package dev.lectern.security;

import java.net.InetSocketAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/**
 * Password sign-in (the login form and HTTP Basic) behind a {@link SignInThrottle}: a throttled attempt
 * fails at once with {@link SignInThrottledException}, a wrong password counts against the account and
 * the address, a good one clears the account's count and records the sign-in time.
 */
final class ThrottledAuthenticationManager implements ReactiveAuthenticationManager {

    private static final Logger log = LoggerFactory.getLogger(ThrottledAuthenticationManager.class);
    private static final String UNKNOWN_ADDRESS = "unknown";

    private final ReactiveAuthenticationManager passwords;
    private final SignInThrottle throttle;
    private final UserRepository users;
    private final BlockingWork blocking;

    ThrottledAuthenticationManager(ReactiveAuthenticationManager passwords, SignInThrottle throttle, UserRepository users,
                                   BlockingWork blocking) {
        this.passwords = passwords;
        this.throttle = throttle;
        this.users = users;
        this.blocking = blocking;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication attempt) {
        String username = attempt.getName();
        return Mono.deferContextual(context -> {
            String address = context.getOrDefault(ClientAddress.class, new ClientAddress(UNKNOWN_ADDRESS)).value();
            var wait = throttle.waitBefore(username, address);
            if (wait.isPresent()) {
                log.warn("Refused a sign-in as '{}' from {} without checking it: too many failures lately", username, address);
                return Mono.error(new SignInThrottledException(wait.get()));
            }
            return passwords.authenticate(attempt)
                    .doOnError(BadCredentialsException.class, failed -> {
                        throttle.failed(username, address);
                        log.info("Failed sign-in as '{}' from {}", username, address);
                    })
                    .flatMap(signedIn -> Mono.fromRunnable(() -> {
                                throttle.succeeded(username);
                                users.recordSignIn(username);
                            })
                            .subscribeOn(blocking.scheduler())
                            .thenReturn(signedIn));
        });
    }

    /** The address a request came from, carried in the Reactor context to the sign-in check. */
    record ClientAddress(String value) {

        static WebFilter filter() {
            return (ServerWebExchange exchange, WebFilterChain chain) -> {
                InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
                String address = remote == null ? UNKNOWN_ADDRESS
                        : remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
                return chain.filter(exchange).contextWrite(context -> context.put(ClientAddress.class, new ClientAddress(address)));
            };
        }
    }
}
