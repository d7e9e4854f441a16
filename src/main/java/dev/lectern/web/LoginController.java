package dev.lectern.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.server.ServerWebExchange;

/**
 * The sign-in page. Spring Security handles the POST and comes back here with {@code ?error} after a
 * failed attempt or {@code ?logout} after signing out: bare flags without values, so only presence counts.
 */
@Controller
class LoginController {

    @GetMapping("/login")
    String login(ServerWebExchange exchange, Model model) {
        MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
        model.addAttribute("failed", query.containsKey("error"));
        model.addAttribute("signedOut", query.containsKey("logout"));
        return "login";
    }
}
