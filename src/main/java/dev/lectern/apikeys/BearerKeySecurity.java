package dev.lectern.apikeys;

import static org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers.pathMatchers;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The security of the OpenAI-compatible API ({@code /v1/**}): an {@code Authorization: Bearer lk-...} key
 * on every request, and nothing else. No session, cookie or Basic fallback, so a page of another site
 * cannot ride a signed-in browser into the API, and no CSRF token is needed. Refusals are 401s in OpenAI's
 * error shape, which the {@code openai} clients turn into their AuthenticationError.
 */
@Component
public class BearerKeySecurity {

    static final String PATHS = "/v1/**";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ApiKeys keys;
    private final BlockingWork blocking;

    BearerKeySecurity(ApiKeys keys, BlockingWork blocking) {
        this.keys = keys;
        this.blocking = blocking;
    }

    /** The filter chain for {@code /v1/**}; the security configuration orders it before the others. */
    public SecurityWebFilterChain chain(ServerHttpSecurity http) {
        AuthenticationWebFilter bearer = new AuthenticationWebFilter(authenticationManager());
        bearer.setServerAuthenticationConverter(BearerKeySecurity::bearerKey);
        bearer.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        bearer.setAuthenticationFailureHandler((filterExchange, failure) -> unauthorized(filterExchange.getExchange(),
                failure.getMessage()));
        return http
                .securityMatcher(pathMatchers(PATHS))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(handling -> handling.authenticationEntryPoint((exchange, failure) -> unauthorized(
                        exchange, "You didn't provide an API key. Send it as \"Authorization: Bearer lk-...\"; make one"
                                + " on Lectern's API keys page (/keys) or with POST /api/keys.")))
                .authorizeExchange(requests -> requests.anyExchange().authenticated())
                .build();
    }

    /** Empty without an Authorization header (the entry point then answers); a carrier for the key otherwise. */
    private static Mono<Authentication> bearerKey(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Mono.empty();
        }
        String key = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        return Mono.just(UsernamePasswordAuthenticationToken.unauthenticated(null, key));
    }

    private ReactiveAuthenticationManager authenticationManager() {
        return authentication -> {
            String key = (String) authentication.getCredentials();
            if (key == null) {
                return Mono.error(new BadCredentialsException("Lectern's API takes only an API key, sent as"
                        + " \"Authorization: Bearer lk-...\" (no passwords, no sessions)."));
            }
            return Mono.fromCallable(() -> keys.authenticate(key))
                    .subscribeOn(blocking.scheduler())
                    .flatMap(found -> found.<Mono<Authentication>>map(principal -> Mono.just(
                                    UsernamePasswordAuthenticationToken.authenticated(principal, null,
                                            List.of(new SimpleGrantedAuthority("ROLE_" + principal.role())))))
                            .orElseGet(() -> Mono.error(new BadCredentialsException("Incorrect API key provided: "
                                    + redacted(key) + ". It may have been revoked, or its account disabled."))));
        };
    }

    /** Enough of a wrong key to recognise it in a log, not enough to use it. */
    private static String redacted(String key) {
        return key.length() <= 10 ? "****" : key.substring(0, 6) + "****" + key.substring(key.length() - 4);
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", "invalid_request_error");
        error.put("param", null);
        error.put("code", "invalid_api_key");
        byte[] body = JSON.writeValueAsString(Map.of("error", error)).getBytes(StandardCharsets.UTF_8);
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"Lectern\"");
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
