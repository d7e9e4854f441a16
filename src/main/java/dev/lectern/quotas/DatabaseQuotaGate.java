package dev.lectern.quotas;

import java.text.NumberFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Service;

/**
 * The quotas: answers running per user are counted in memory (they die with the process anyway); the
 * tokens of the day are kept in PostgreSQL, so a restart does not reset them, and charged off the engine's
 * thread when each answer ends. The daily check reads the usage before an answer starts, so one long answer
 * may end above the limit; the next is refused.
 */
@Service
class DatabaseQuotaGate implements QuotaGate, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DatabaseQuotaGate.class);
    /** How long a client refused for too many answers at once should wait: answers take seconds. */
    static final Duration CONCURRENT_RETRY = Duration.ofSeconds(5);

    private final QuotaProperties defaults;
    private final QuotaRepository repository;
    private final Clock clock;
    private final Map<Long, AtomicInteger> running = new ConcurrentHashMap<>();
    /** Charges in order, off the engine's and the event loop's threads. */
    private final ExecutorService charges = Executors.newSingleThreadExecutor(runnable -> Thread.ofPlatform()
            .name("quota-charges").daemon().unstarted(runnable));

    DatabaseQuotaGate(QuotaProperties defaults, QuotaRepository repository) {
        this.defaults = defaults;
        this.repository = repository;
        this.clock = Clock.systemUTC();
    }

    @Override
    public QuotaTicket admit(long userId) {
        QuotaLimits limits = limits(userId);
        NumberFormat n = NumberFormat.getIntegerInstance(Locale.ROOT);
        if (limits.tokensPerDay() > 0) {
            long used = repository.used(userId, today());
            if (used >= limits.tokensPerDay()) {
                throw new QuotaExceeded(QuotaExceeded.Limit.TOKENS_PER_DAY, "You have used your " + n.format(
                        limits.tokensPerDay()) + " tokens for today (" + n.format(used) + " so far); the count starts"
                        + " again at midnight UTC, or an administrator can raise your quota.", untilMidnight());
            }
        }
        AtomicInteger count = running.computeIfAbsent(userId, id -> new AtomicInteger());
        int now = count.incrementAndGet();
        if (now > limits.maxConcurrentRequests()) {
            count.decrementAndGet();
            throw new QuotaExceeded(QuotaExceeded.Limit.CONCURRENT_REQUESTS, limits.maxConcurrentRequests() == 0
                    ? "Your account may not ask for answers at the moment (its quota allows none); ask an administrator."
                    : "You already have " + limits.maxConcurrentRequests() + " answer"
                    + (limits.maxConcurrentRequests() == 1 ? "" : "s") + " being written, the most your quota allows"
                    + " at once; wait for one to finish or stop one, then ask again.", CONCURRENT_RETRY);
        }
        return new QuotaTicket(count::decrementAndGet, tokens -> {
            if (tokens > 0) {
                LocalDate day = today();
                charges.execute(() -> {
                    try {
                        repository.charge(userId, day, tokens);
                    } catch (RuntimeException failure) {
                        log.warn("Could not count {} tokens for user {}: {}", tokens, userId, failure.toString());
                    }
                });
            }
        });
    }

    /** The limits that apply to a user now: the override's fields where set, else the defaults. */
    QuotaLimits limits(long userId) {
        return repository.override(userId)
                .map(o -> new QuotaLimits(
                        o.maxConcurrentRequests() != null ? o.maxConcurrentRequests() : defaults.maxConcurrentRequests(),
                        o.tokensPerDay() != null ? o.tokensPerDay() : defaults.tokensPerDay(), true))
                .orElseGet(() -> new QuotaLimits(defaults.maxConcurrentRequests(), defaults.tokensPerDay(), false));
    }

    /** Answers running for a user now. */
    int running(long userId) {
        AtomicInteger count = running.get(userId);
        return count == null ? 0 : count.get();
    }

    long usedToday(long userId) {
        return repository.used(userId, today());
    }

    private LocalDate today() {
        return LocalDate.now(clock.withZone(ZoneOffset.UTC));
    }

    private Duration untilMidnight() {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
        return Duration.between(now, now.toLocalDate().plusDays(1).atStartOfDay(ZoneOffset.UTC));
    }

    @Override
    public void destroy() {
        charges.shutdown();
    }
}
