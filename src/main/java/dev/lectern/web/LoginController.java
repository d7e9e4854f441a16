package dev.lectern.web;

import java.time.Duration;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.server.ServerWebExchange;

import dev.lectern.security.SignInThrottledException;

/**
 * The sign-in page. Spring Security handles the POST and comes back here with {@code ?error} after a
 * failed attempt, {@code ?throttled=SECONDS} after too many, {@code ?disabled} when an admin disabled the
 * account during its session, or {@code ?logout} after signing out.
 */
@Controller
class LoginController {

    @GetMapping("/login")
    String login(ServerWebExchange exchange, Model model) {
        MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
        model.addAttribute("failed", query.containsKey("error"));
        model.addAttribute("signedOut", query.containsKey("logout"));
        model.addAttribute("disabled", query.containsKey("disabled"));
        String throttled = query.getFirst("throttled");
        model.addAttribute("throttledFor", throttled != null && throttled.matches("\\d{1,7}")
                ? SignInThrottledException.describe(Duration.ofSeconds(Long.parseLong(throttled))) : null);
        return "login";
    }
}
