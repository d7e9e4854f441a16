package dev.lectern.web;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import dev.lectern.system.SystemStatusService;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The signed-in landing page: who you are and what this Lectern runs on. */
@Controller
class HomeController {

    private final SystemStatusService status;

    HomeController(SystemStatusService status) {
        this.status = status;
    }

    @GetMapping("/")
    Mono<String> home(Principal principal, Model model) {
        return Mono.fromCallable(status::current)
                .subscribeOn(Schedulers.boundedElastic())
                .map(current -> {
                    model.addAttribute("username", principal.getName());
                    model.addAttribute("status", current);
                    return "home";
                });
    }
}
