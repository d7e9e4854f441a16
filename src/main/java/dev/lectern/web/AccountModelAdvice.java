package dev.lectern.web;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/** Every page's top bar links to the admin pages only for admins: pages get {@code isAdmin}. */
@ControllerAdvice
class AccountModelAdvice {

    @ModelAttribute("isAdmin")
    Mono<Boolean> isAdmin(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .map(principal -> principal instanceof Authentication authentication
                        && authentication.getAuthorities().stream().anyMatch(a -> "ROLE_ADMIN".equals(a.getAuthority())))
                .defaultIfEmpty(false);
    }
}
