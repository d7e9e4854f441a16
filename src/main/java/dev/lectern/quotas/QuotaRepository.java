package dev.lectern.quotas;

import java.time.LocalDate;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Per-user overrides ({@code user_quotas}) and daily usage ({@code token_usage}). Blocking JDBC. */
@Repository
class QuotaRepository {

    /** An administrator's override; a null field keeps the configured default. */
    record Override(Integer maxConcurrentRequests, Long tokensPerDay) {
    }

    private final JdbcClient jdbc;

    QuotaRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<Override> override(long userId) {
        return jdbc.sql("SELECT max_concurrent_requests, tokens_per_day FROM user_quotas WHERE user_id = ?")
                .param(userId)
                .query((row, n) -> new Override((Integer) row.getObject("max_concurrent_requests"),
                        row.getObject("tokens_per_day") == null ? null : row.getLong("tokens_per_day")))
                .optional();
    }

    /** Sets (or, with both fields null, removes) a user's override; false when there is no such user. */
    boolean setOverride(long userId, Override override) {
        if (!userExists(userId)) {
            return false;
        }
        if (override.maxConcurrentRequests() == null && override.tokensPerDay() == null) {
            jdbc.sql("DELETE FROM user_quotas WHERE user_id = ?").param(userId).update();
            return true;
        }
        jdbc.sql("""
                        INSERT INTO user_quotas (user_id, max_concurrent_requests, tokens_per_day) VALUES (?, ?, ?)
                        ON CONFLICT (user_id) DO UPDATE SET max_concurrent_requests = EXCLUDED.max_concurrent_requests,
                            tokens_per_day = EXCLUDED.tokens_per_day, updated_at = now()""")
                .params(userId, override.maxConcurrentRequests(), override.tokensPerDay())
                .update();
        return true;
    }

    boolean userExists(long userId) {
        return jdbc.sql("SELECT count(*) FROM users WHERE id = ?").param(userId).query(Long.class).single() > 0;
    }

    long used(long userId, LocalDate day) {
        return jdbc.sql("SELECT tokens FROM token_usage WHERE user_id = ? AND day = ?")
                .params(userId, day)
                .query(Long.class).optional().orElse(0L);
    }

    void charge(long userId, LocalDate day, long tokens) {
        jdbc.sql("""
                        INSERT INTO token_usage (user_id, day, tokens) VALUES (?, ?, ?)
                        ON CONFLICT (user_id, day) DO UPDATE SET tokens = token_usage.tokens + EXCLUDED.tokens""")
                .params(userId, day, tokens)
                .update();
    }
}
