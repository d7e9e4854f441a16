package dev.lectern.admin;

import java.time.Duration;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import dev.lectern.inference.InferenceService;
import dev.lectern.metrics.TrafficHistory;
import dev.lectern.metrics.TrafficPoint;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The admin page's data (ADMIN role, like everything under {@code /api/admin}): each panel on its own, the
 * whole dashboard, the hour of traffic, and {@code /api/admin/stream}, which pushes the dashboard every
 * second as server-sent events (first the hour of traffic as {@code history}, then {@code dashboard} events),
 * so the page never polls. The cache's actions are {@code /api/admin/cache} (inference).
 */
@RestController
@RequestMapping("/api/admin")
class AdminController {

    static final Duration TICK = Duration.ofSeconds(1);

    private final DashboardService dashboard;
    private final TrafficHistory traffic;
    private final InferenceService inference;
    private final BlockingWork blocking;

    AdminController(DashboardService dashboard, TrafficHistory traffic, InferenceService inference,
            BlockingWork blocking) {
        this.dashboard = dashboard;
        this.traffic = traffic;
        this.inference = inference;
        this.blocking = blocking;
    }

    @GetMapping("/dashboard")
    Mono<Dashboard> current() {
        return blocking.call(dashboard::current);
    }

    @GetMapping("/traffic")
    Mono<List<TrafficPoint>> traffic() {
        return blocking.call(traffic::points);
    }

    @GetMapping("/usage")
    Mono<List<UserRow>> users() {
        return blocking.call(dashboard::users);
    }

    @GetMapping("/hardware")
    Mono<HardwarePanel> hardware() {
        return blocking.call(() -> dashboard.hardware(inference.status()));
    }

    @GetMapping("/kv")
    Mono<KvPanel> kv() {
        return blocking.call(() -> dashboard.kv(inference.status(), inference.prefixes()));
    }

    @GetMapping("/model")
    Mono<ModelPanel> model() {
        return blocking.call(() -> dashboard.model(inference.status()));
    }

    @GetMapping("/cache/rows")
    Mono<CachePanel> cacheRows() {
        return blocking.call(() -> dashboard.cache(inference.status(), inference.prefixes()));
    }

    @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<Object>> stream() {
        Flux<ServerSentEvent<Object>> history = blocking.call(traffic::points)
                .map(points -> event("history", points)).flux();
        // A slow reader skips seconds rather than queueing them: each event carries the whole state.
        Flux<ServerSentEvent<Object>> ticks = Flux.interval(Duration.ZERO, TICK).onBackpressureDrop()
                .concatMap(tick -> blocking.call(dashboard::current).map(now -> event("dashboard", now)), 1);
        return Flux.concat(history, ticks);
    }

    private static ServerSentEvent<Object> event(String name, Object data) {
        return ServerSentEvent.builder(data).event(name).build();
    }
}
