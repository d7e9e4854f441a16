package dev.lectern.security;

import static org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers.pathMatchers;

import org.springframework.context.annotation.Bean;
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
                        .pathMatchers("/admin", "/admin/**").hasRole(Role.ADMIN.name())
                        .anyExchange().authenticated())
                .formLogin(form -> form.loginPage("/login"))
                .logout(logout -> logout.logoutUrl("/logout"))
                .exceptionHandling(handling -> handling
                        .authenticationEntryPoint(new RedirectServerAuthenticationEntryPoint("/login")))
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

    private static HttpBasicServerAuthenticationEntryPoint basicChallenge() {
        HttpBasicServerAuthenticationEntryPoint challenge = new HttpBasicServerAuthenticationEntryPoint();
        challenge.setRealm("Lectern");
        return challenge;
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
