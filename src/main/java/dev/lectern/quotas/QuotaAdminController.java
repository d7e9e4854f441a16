package dev.lectern.quotas;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/**
 * An administrator's view and override of one user's quota (the security configuration keeps
 * {@code /api/admin/**} to admins). {@code PUT} with {@code {"maxConcurrentRequests": 2, "tokensPerDay":
 * 500000}}; a field left out or null falls back to the configured default, both null removes the override.
 */
@RestController
class QuotaAdminController {

    private final DatabaseQuotaGate gate;
    private final QuotaRepository repository;
    private final BlockingWork blocking;

    QuotaAdminController(DatabaseQuotaGate gate, QuotaRepository repository, BlockingWork blocking) {
        this.gate = gate;
        this.repository = repository;
        this.blocking = blocking;
    }

    record QuotaUpdate(Integer maxConcurrentRequests, Long tokensPerDay) {
    }

    record QuotaView(long userId, int maxConcurrentRequests, long tokensPerDay, boolean overridden, int running,
                     long usedToday) {
    }

    @GetMapping("/api/admin/users/{id}/quota")
    Mono<ResponseEntity<Object>> get(@PathVariable long id) {
        return Mono.fromCallable(() -> view(id)).subscribeOn(blocking.scheduler());
    }

    @PutMapping("/api/admin/users/{id}/quota")
    Mono<ResponseEntity<Object>> put(@PathVariable long id, @RequestBody QuotaUpdate update) {
        if (update.maxConcurrentRequests() != null && update.maxConcurrentRequests() < 0
                || update.tokensPerDay() != null && update.tokensPerDay() < 0) {
            return Mono.just(ResponseEntity.badRequest().body(Map.of("error", "BAD_REQUEST", "message",
                    "Quotas cannot be negative: maxConcurrentRequests 0 blocks the user, tokensPerDay 0 means no"
                            + " daily limit, null keeps the default.")));
        }
        return Mono.fromCallable(() -> repository.setOverride(id, new QuotaRepository.Override(
                        update.maxConcurrentRequests(), update.tokensPerDay())) ? view(id) : notFound(id))
                .subscribeOn(blocking.scheduler());
    }

    private ResponseEntity<Object> view(long id) {
        if (!repository.userExists(id)) {
            return notFound(id);
        }
        QuotaLimits limits = gate.limits(id);
        return ResponseEntity.ok(new QuotaView(id, limits.maxConcurrentRequests(), limits.tokensPerDay(),
                limits.overridden(), gate.running(id), gate.usedToday(id)));
    }

    private static ResponseEntity<Object> notFound(long id) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "NOT_FOUND", "message",
                "There is no user " + id + "."));
    }
}
