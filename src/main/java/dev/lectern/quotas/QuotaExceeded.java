package dev.lectern.quotas;

import java.time.Duration;

/**
 * A request refused by a user's quota: a message for them, which limit it was ({@link Limit}), and when
 * asking again can succeed (the API's {@code Retry-After}).
 */
public final class QuotaExceeded extends RuntimeException {

    /** The limit that was reached. */
    public enum Limit {
        CONCURRENT_REQUESTS,
        TOKENS_PER_DAY
    }

    private final Limit limit;
    private final Duration retryAfter;

    QuotaExceeded(Limit limit, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    public Limit limit() {
        return limit;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole seconds, at least 1, as the Retry-After header wants them. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
