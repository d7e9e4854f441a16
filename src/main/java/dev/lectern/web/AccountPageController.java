package dev.lectern.web;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.server.ServerWebExchange;

import dev.lectern.security.AccountService;

/** {@code /account}: one's own password; {@code /users}: the team's accounts (admins only, by the security rules). */
@Controller
class AccountPageController {

    private final AccountService accounts;

    AccountPageController(AccountService accounts) {
        this.accounts = accounts;
    }

    @GetMapping("/account")
    String account(Principal principal, ServerWebExchange exchange, Model model) {
        model.addAttribute("username", principal.getName());
        model.addAttribute("required", exchange.getRequest().getQueryParams().containsKey("required"));
        model.addAttribute("minPasswordLength", accounts.minPasswordLength());
        return "account";
    }

    @GetMapping("/users")
    String users(Principal principal, Model model) {
        model.addAttribute("username", principal.getName());
        return "users";
    }
}
