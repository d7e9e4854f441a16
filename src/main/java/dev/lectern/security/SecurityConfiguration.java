package dev.lectern.security;

import static org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers.pathMatchers;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UserDetailsRepositoryReactiveAuthenticationManager;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationFailureHandler;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebFilter;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.HttpBasicServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationEntryPoint;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import org.springframework.web.server.ServerWebExchange;

import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import dev.lectern.apikeys.BearerKeySecurity;
import reactor.core.publisher.Mono;

/**
 * Everything needs a signed-in user except the login page, static assets and the health probe.
 * Pages use form login; the REST API and the metrics endpoints also take HTTP Basic, so scripts and
 * Prometheus can call them without a session.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class SecurityConfiguration {

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /** The OpenAI-compatible API: API keys only (see {@link BearerKeySecurity}), before every other chain. */
    @Bean
    @Order(-1)
    SecurityWebFilterChain openAiApiSecurity(ServerHttpSecurity http, BearerKeySecurity bearerKeys) {
        return bearerKeys.chain(http);
    }

    @Bean
    PasswordPolicy passwordPolicy(LecternProperties properties) {
        return new PasswordPolicy(properties.security().minPasswordLength());
    }

    @Bean
    SignInThrottle signInThrottle(LecternProperties properties) {
        LecternProperties.Security security = properties.security();
        return new SignInThrottle(security.signInFailuresPerUser(), security.signInFailuresPerAddress(),
                security.signInWindow(), Clock.systemUTC());
    }

    /** The one password check behind the login form and HTTP Basic, with its rate limit. */
    @Bean
    ReactiveAuthenticationManager authenticationManager(ReactiveUserDetailsService accounts, PasswordEncoder encoder,
                                                        SignInThrottle throttle, UserRepository users,
                                                        BlockingWork blocking) {
        UserDetailsRepositoryReactiveAuthenticationManager passwords =
                new UserDetailsRepositoryReactiveAuthenticationManager(accounts);
        passwords.setPasswordEncoder(encoder);
        passwords.setScheduler(blocking.scheduler()); // bcrypt: CPU-bound, off the event loop
        return new ThrottledAuthenticationManager(passwords, throttle, users, blocking);
    }

    /** Before Spring Security's filters: the sign-in check needs the caller's address. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    WebFilter clientAddressFilter() {
        return ThrottledAuthenticationManager.ClientAddress.filter();
    }

    @Bean
    @Order(1)
    SecurityWebFilterChain apiSecurity(ServerHttpSecurity http) {
        return basicOrSession(http, "/api/**")
                .authorizeExchange(requests -> requests
                        .pathMatchers("/api/admin/**").hasRole(Role.ADMIN.name())
                        .anyExchange().authenticated())
                .build();
    }

    /**
     * The chat socket: the browser's session, or HTTP Basic on the handshake for scripts; without either
     * the handshake is refused with 401 (no redirect to a login page a socket cannot show). The handshake
     * is a GET, outside CSRF's reach: the chat checks its Origin instead.
     */
    @Bean
    @Order(0)
    SecurityWebFilterChain chatSocketSecurity(ServerHttpSecurity http) {
        return basicOrSession(http, "/ws/**")
                .authorizeExchange(requests -> requests.anyExchange().authenticated())
                .build();
    }

    @Bean
    @Order(2)
    SecurityWebFilterChain actuatorSecurity(ServerHttpSecurity http) {
        return basicOrSession(http, "/actuator/**")
                .authorizeExchange(requests -> requests
                        .pathMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .anyExchange().hasRole(Role.ADMIN.name()))
                .build();
    }

    @Bean
    @Order(3)
    SecurityWebFilterChain pageSecurity(ServerHttpSecurity http) {
        return http
                .authorizeExchange(requests -> requests
                        .pathMatchers(HttpMethod.GET, "/login", "/css/**", "/js/**", "/vendor/**", "/favicon.svg").permitAll()
                        .pathMatchers("/users").hasRole(Role.ADMIN.name())
                        .pathMatchers("/admin", "/admin/**").hasRole(Role.ADMIN.name())
                        .anyExchange().authenticated())
                .formLogin(form -> form.loginPage("/login").authenticationFailureHandler(SecurityConfiguration::signInFailed))
                .logout(logout -> logout.logoutUrl("/logout"))
                .exceptionHandling(handling -> handling
                        .authenticationEntryPoint(new RedirectServerAuthenticationEntryPoint("/login"))
                        // Rendered by the app's error page (styled, with a way back) rather than a bare text.
                        .accessDeniedHandler((exchange, denied) -> Mono.error(
                                new ResponseStatusException(HttpStatus.FORBIDDEN, "Admins only"))))
                .build();
    }

    /**
     * A chain for machine-facing paths: HTTP Basic per request (no session is created for it), or the
     * browser's session from the login page. CSRF protection guards session-authenticated writes; a
     * request carrying its own credentials cannot be forged by another site, so it needs no token.
     */
    private static ServerHttpSecurity basicOrSession(ServerHttpSecurity http, String pathPattern) {
        return http
                .securityMatcher(pathMatchers(pathPattern))
                .securityContextRepository(new WebSessionServerSecurityContextRepository())
                .httpBasic(basic -> basic
                        .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                        .authenticationEntryPoint(basicChallenge()))
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .csrf(csrf -> csrf.requireCsrfProtectionMatcher(SecurityConfiguration::isSessionWrite))
                .exceptionHandling(handling -> handling.authenticationEntryPoint(basicChallenge()));
    }

    /** 401 with a Basic challenge; 429 with Retry-After when sign-in is throttled (asking again would not help). */
    private static ServerAuthenticationEntryPoint basicChallenge() {
        HttpBasicServerAuthenticationEntryPoint challenge = new HttpBasicServerAuthenticationEntryPoint();
        challenge.setRealm("Lectern");
        return (exchange, failure) -> {
            if (failure instanceof SignInThrottledException throttled) {
                ServerHttpResponse response = exchange.getResponse();
                response.setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
                response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(throttled.retryAfterSeconds()));
                response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
                byte[] body = ("{\"error\":\"SIGN_IN_THROTTLED\",\"message\":\"" + throttled.getMessage() + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
            }
            return challenge.commence(exchange, failure);
        };
    }

    /** Back to the login form, saying why: a wrong password, or how long to wait after too many. */
    private static Mono<Void> signInFailed(WebFilterExchange exchange, AuthenticationException failure) {
        String location = failure instanceof SignInThrottledException throttled
                ? "/login?throttled=" + throttled.retryAfterSeconds()
                : "/login?error";
        return new RedirectServerAuthenticationFailureHandler(location).onAuthenticationFailure(exchange, failure);
    }

    private static Mono<MatchResult> isSessionWrite(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        boolean safeMethod = switch (request.getMethod().name()) {
            case "GET", "HEAD", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
        boolean ownCredentials = request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION);
        return safeMethod || ownCredentials ? MatchResult.notMatch() : MatchResult.match();
    }
}
