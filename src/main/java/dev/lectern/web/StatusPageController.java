package dev.lectern.web;

import java.security.Principal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import dev.lectern.config.BlockingWork;
import dev.lectern.system.SystemStatusService;
import reactor.core.publisher.Mono;

/** What this Lectern runs on: the engine (model, kernels, KV cache, load), the database, the disk. */
@Controller
class StatusPageController {

    private final SystemStatusService status;
    private final BlockingWork blocking;

    StatusPageController(SystemStatusService status, BlockingWork blocking) {
        this.status = status;
        this.blocking = blocking;
    }

    @GetMapping("/status")
    Mono<String> status(Principal principal, Model model) {
        return Mono.fromCallable(status::current)
                .subscribeOn(blocking.scheduler())
                .map(current -> {
                    model.addAttribute("username", principal.getName());
                    model.addAttribute("status", current);
                    return "status";
                });
    }
}
