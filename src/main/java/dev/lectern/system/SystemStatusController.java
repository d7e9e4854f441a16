package dev.lectern.system;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/** {@code GET /api/status}: the same facts as the home page, for scripts and monitoring. */
@RestController
class SystemStatusController {

    private final SystemStatusService status;
    private final BlockingWork blocking;

    SystemStatusController(SystemStatusService status, BlockingWork blocking) {
        this.status = status;
        this.blocking = blocking;
    }

    @GetMapping("/api/status")
    Mono<SystemStatus> status() {
        return Mono.fromCallable(status::current).subscribeOn(blocking.scheduler());
    }
}
