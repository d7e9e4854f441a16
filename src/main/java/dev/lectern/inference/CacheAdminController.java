package dev.lectern.inference;

import java.util.List;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/**
 * {@code /api/admin/cache} (ADMIN role): the prefix cache's entries and what an admin can do to one: pin,
 * unpin, evict from RAM (it stays on disk), delete, or encode again. Answers the entry as it is after.
 */
@RestController
@RequestMapping("/api/admin/cache")
class CacheAdminController {

    private final InferenceService inference;
    private final ApplicationEventPublisher events;
    private final BlockingWork blocking;

    CacheAdminController(InferenceService inference, ApplicationEventPublisher events, BlockingWork blocking) {
        this.inference = inference;
        this.events = events;
        this.blocking = blocking;
    }

    record ApiError(String error, String message) {
    }

    @GetMapping
    Mono<List<PrefixInfo>> list() {
        return Mono.fromCallable(inference::prefixes).subscribeOn(blocking.scheduler());
    }

    @PostMapping("/{key}/pin")
    Mono<PrefixInfo> pin(@PathVariable String key) {
        return Mono.fromCallable(() -> inference.setPinned(key, true).orElseThrow(() -> new NoSuchEntry(key)))
                .subscribeOn(blocking.scheduler());
    }

    @PostMapping("/{key}/unpin")
    Mono<PrefixInfo> unpin(@PathVariable String key) {
        return Mono.fromCallable(() -> inference.setPinned(key, false).orElseThrow(() -> new NoSuchEntry(key)))
                .subscribeOn(blocking.scheduler());
    }

    @PostMapping("/{key}/evict")
    Mono<PrefixInfo> evict(@PathVariable String key) {
        return Mono.fromCallable(() -> inference.evictFromRam(key).orElseThrow(() -> new NoSuchEntry(key)))
                .subscribeOn(blocking.scheduler());
    }

    @DeleteMapping("/{key}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String key) {
        return Mono.fromRunnable(() -> remove(key, false)).subscribeOn(blocking.scheduler())
                .thenReturn(ResponseEntity.noContent().build());
    }

    @PostMapping("/{key}/reencode")
    Mono<ResponseEntity<Void>> reencode(@PathVariable String key) {
        return Mono.fromRunnable(() -> remove(key, true)).subscribeOn(blocking.scheduler())
                .thenReturn(ResponseEntity.accepted().build());
    }

    private void remove(String key, boolean reencode) {
        if (inference.prefix(key).isEmpty()) {
            throw new NoSuchEntry(key);
        }
        inference.deletePrefix(key);
        events.publishEvent(new PrefixDeleted(key, reencode));
    }

    static final class NoSuchEntry extends RuntimeException {
        NoSuchEntry(String key) {
            super("There is no prefix-cache entry " + key + ".");
        }
    }

    @ExceptionHandler(NoSuchEntry.class)
    ResponseEntity<ApiError> notFound(NoSuchEntry missing) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON)
                .body(new ApiError("NOT_FOUND", missing.getMessage()));
    }

    @ExceptionHandler(EngineUnavailableException.class)
    ResponseEntity<ApiError> unavailable(EngineUnavailableException problem) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_JSON)
                .body(new ApiError("MODEL_NOT_LOADED", problem.getMessage()));
    }
}
