package dev.lectern.web;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import dev.lectern.system.SystemStatusService;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** What this Lectern runs on: the engine (model, kernels, KV cache, load), the database, the disk. */
@Controller
class StatusPageController {

    private final SystemStatusService status;

    StatusPageController(SystemStatusService status) {
        this.status = status;
    }

    @GetMapping("/status")
    Mono<String> status(Principal principal, Model model) {
        return Mono.fromCallable(status::current)
                .subscribeOn(Schedulers.boundedElastic())
                .map(current -> {
                    model.addAttribute("username", principal.getName());
                    model.addAttribute("status", current);
                    return "status";
                });
    }
}
