package dev.lectern.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.sched.SchedulerStats;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;

/**
 * The last hour of traffic, one {@link TrafficPoint} a second, sampled whether or not anyone watches, so an
 * admin who opens the dashboard sees the hour before. Rates come from the engine's counters (tokens
 * generated, prefix-cache lookups), differenced between samples.
 */
@Component
public class TrafficHistory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrafficHistory.class);
    static final Duration SPAN = Duration.ofHours(1);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Hit rates are over this many samples: one second's lookups are too few to mean much. */
    private static final int HIT_RATE_WINDOW = 60;

    private final InferenceService inference;
    private final LecternMetrics metrics;
    private final Deque<TrafficPoint> points = new ArrayDeque<>();
    /** (queried, hit) prompt tokens at each of the last samples, for the hit rate over a minute. */
    private final Deque<long[]> lookups = new ArrayDeque<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable ->
            Thread.ofPlatform().name("lectern-traffic-sampler").daemon().unstarted(runnable));
    private long lastGenerated = -1;
    private long lastSampleNanos;

    public TrafficHistory(InferenceService inference, LecternMetrics metrics) {
        this.inference = inference;
        this.metrics = metrics;
        sampler.scheduleAtFixedRate(this::sampleQuietly, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException unexpected) {
            log.warn("Could not sample the traffic: {}", unexpected.toString());
        }
    }

    synchronized void sample() {
        long now = System.nanoTime();
        EngineStatus status = inference.status();
        SchedulerStats scheduler = status.scheduler();
        KvPoolStats pool = status.kvPool();
        double tokensPerSecond = 0;
        long generated = scheduler == null ? -1 : scheduler.generatedTokens();
        if (generated >= 0 && lastGenerated >= 0 && generated >= lastGenerated) {
            tokensPerSecond = (generated - lastGenerated) / ((now - lastSampleNanos) / 1e9);
        }
        lastGenerated = generated;
        lastSampleNanos = now;
        Double hitRate = null;
        if (pool != null) {
            lookups.addLast(new long[] {pool.queriedTokens(), pool.hitTokens()});
            while (lookups.size() > HIT_RATE_WINDOW + 1) {
                lookups.removeFirst();
            }
            long[] first = lookups.peekFirst();
            long queried = pool.queriedTokens() - first[0];
            if (queried > 0) {
                hitRate = (pool.hitTokens() - first[1]) / (double) queried;
            }
        } else {
            lookups.clear();
        }
        double[] ttft = metrics.recentTimesToFirstToken();
        points.addLast(new TrafficPoint(Instant.now().getEpochSecond(), tokensPerSecond, percentile(ttft, 0.5),
                percentile(ttft, 0.95), scheduler == null ? 0 : scheduler.queued(),
                scheduler == null ? 0 : scheduler.running(), hitRate));
        while (points.size() > SPAN.toSeconds() / INTERVAL.toSeconds()) {
            points.removeFirst();
        }
    }

    /** The nearest-rank percentile of sorted values; null when there are none. */
    static Double percentile(double[] sorted, double quantile) {
        if (sorted.length == 0) {
            return null;
        }
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Every point of the last hour, oldest first. */
    public synchronized List<TrafficPoint> points() {
        return new ArrayList<>(points);
    }

    /** The newest point; null before the first sample. */
    public synchronized TrafficPoint latest() {
        return points.peekLast();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
