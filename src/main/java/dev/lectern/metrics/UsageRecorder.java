package dev.lectern.metrics;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.lectern.engine.generation.GenerationStats;

/**
 * Adds each finished request to its user's row of {@code user_usage}, on a writer thread of its own: the
 * engine's thread tells it, and must never wait for the database. A request of no known user, or of a user
 * deleted meanwhile, is not counted per user (the Prometheus totals still count it).
 */
@Component
public class UsageRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);

    private final JdbcClient jdbc;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(runnable -> Thread.ofPlatform()
            .name("lectern-usage-writer").daemon().unstarted(runnable));

    public UsageRecorder(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void record(Long userId, GenerationStats stats) {
        if (userId != null) {
            add(userId, 1, 0, stats.promptTokens(), stats.cachedTokens(), stats.generatedTokens());
        }
    }

    void recordFailure(Long userId) {
        if (userId != null) {
            add(userId, 0, 1, 0, 0, 0);
        }
    }

    private void add(long userId, int requests, int failed, long prompt, long cached, long generated) {
        try {
            writer.execute(() -> {
                try {
                    jdbc.sql("""
                                    INSERT INTO user_usage (user_id, requests, failed_requests, prompt_tokens, cached_tokens,
                                        generation_tokens, last_active_at)
                                    SELECT id, ?, ?, ?, ?, ?, now() FROM users WHERE id = ?
                                    ON CONFLICT (user_id) DO UPDATE SET requests = user_usage.requests + EXCLUDED.requests,
                                        failed_requests = user_usage.failed_requests + EXCLUDED.failed_requests,
                                        prompt_tokens = user_usage.prompt_tokens + EXCLUDED.prompt_tokens,
                                        cached_tokens = user_usage.cached_tokens + EXCLUDED.cached_tokens,
                                        generation_tokens = user_usage.generation_tokens + EXCLUDED.generation_tokens,
                                        last_active_at = now()""")
                            .params(requests, failed, prompt, cached, generated, userId)
                            .update();
                } catch (DataAccessException failure) {
                    log.warn("Could not count a request of user {}: {}", userId, failure.getMessage());
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            log.debug("Not counting a request of user {}: shutting down", userId);
        }
    }

    /** Waits a moment for counts still being written, so a clean shutdown loses none. */
    @Override
    public void close() throws InterruptedException {
        writer.shutdown();
        writer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
