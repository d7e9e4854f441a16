package dev.lectern.system;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** {@code GET /api/status}: the same facts as the home page, for scripts and monitoring. */
@RestController
class SystemStatusController {

    private final SystemStatusService status;

    SystemStatusController(SystemStatusService status) {
        this.status = status;
    }

    @GetMapping("/api/status")
    Mono<SystemStatus> status() {
        return Mono.fromCallable(status::current).subscribeOn(Schedulers.boundedElastic());
    }
}
