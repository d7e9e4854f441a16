package dev.lectern.security;

import java.security.Principal;
import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/me}: who the caller is signed in as, so scripts can check their credentials. */
@RestController
class CurrentUserController {

    record CurrentUser(String username, List<String> roles) {
    }

    @GetMapping("/api/me")
    CurrentUser me(Principal principal) {
        Authentication authentication = (Authentication) principal;
        return new CurrentUser(authentication.getName(), authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .map(authority -> authority.replaceFirst("^ROLE_", ""))
                .toList());
    }
}
