package dev.lectern.metrics;

import java.util.function.ToDoubleFunction;

import org.springframework.stereotype.Component;

import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.sched.SchedulerStats;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The engine's state as Prometheus reads it at each scrape: KV cache use, the batch and the queue, and the
 * prefix cache's lookups (prompt tokens looked up and found, counted by the block pool since the engine
 * started). A bean apart from {@link LecternMetrics}, which the engine calls, so neither needs the other.
 */
@Component
class EngineMeters {

    EngineMeters(MeterRegistry registry, InferenceService inference) {
        FunctionCounter.builder("lectern.prefix_cache_queries", inference, pool(KvPoolStats::queriedTokens))
                .description("Prompt tokens looked up in the prefix cache").register(registry);
        FunctionCounter.builder("lectern.prefix_cache_hits", inference, pool(KvPoolStats::hitTokens))
                .description("Prompt tokens found in the prefix cache").register(registry);
        Gauge.builder("lectern.kv_cache_usage_perc", inference, pool(stats -> stats.capacityBlocks() == 0 ? 0
                        : stats.usedBlocks() / (double) stats.capacityBlocks()))
                .description("Share of the KV cache's blocks in use, 0 to 1").register(registry);
        Gauge.builder("lectern.num_requests_running", inference, scheduler(SchedulerStats::running))
                .description("Requests in the running batch").register(registry);
        Gauge.builder("lectern.num_requests_waiting", inference, scheduler(SchedulerStats::queued))
                .description("Requests waiting for a place in the batch").register(registry);
    }

    private static ToDoubleFunction<InferenceService> pool(ToDoubleFunction<KvPoolStats> value) {
        return inference -> {
            KvPoolStats pool = inference.status().kvPool();
            return pool == null ? 0 : value.applyAsDouble(pool);
        };
    }

    private static ToDoubleFunction<InferenceService> scheduler(ToDoubleFunction<SchedulerStats> value) {
        return inference -> {
            EngineStatus status = inference.status();
            return status.scheduler() == null ? 0 : value.applyAsDouble(status.scheduler());
        };
    }
}
