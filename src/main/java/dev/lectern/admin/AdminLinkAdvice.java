package dev.lectern.admin;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/** Every page learns whether its reader is an admin, so the top bar links to the dashboard only for admins. */
@ControllerAdvice
class AdminLinkAdvice {

    @ModelAttribute("isAdmin")
    Mono<Boolean> isAdmin(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .map(principal -> principal instanceof Authentication authentication && authentication.getAuthorities()
                        .stream().anyMatch(authority -> "ROLE_ADMIN".equals(authority.getAuthority())))
                .defaultIfEmpty(false);
    }
}
