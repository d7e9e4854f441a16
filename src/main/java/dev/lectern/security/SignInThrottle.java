package dev.lectern.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@code perUser} failed sign-ins to one account, or {@code perAddress}
 * from one address, within {@code window}, further attempts are refused without checking the password
 * until the oldest failure leaves the window. Per account stops a guesser that changes addresses; per
 * address stops one that tries many accounts. A successful sign-in clears the account's count. Kept in
 * memory: a restart forgives, which costs a guesser a restart's wait at most.
 */
public final class SignInThrottle {

    /** Beyond this many accounts and addresses, those with no recent failure are forgotten. */
    private static final int MAX_TRACKED = 10_000;

    private final int perUser;
    private final int perAddress;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public SignInThrottle(int perUser, int perAddress, Duration window, Clock clock) {
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.window = window;
        this.clock = clock;
    }

    /** How long {@code username} from {@code address} must wait before trying again, if at all. */
    public Optional<Duration> waitBefore(String username, String address) {
        Instant now = clock.instant();
        Duration user = wait(userKey(username), perUser, now);
        Duration from = wait(addressKey(address), perAddress, now);
        Duration longer = user.compareTo(from) >= 0 ? user : from;
        return longer.isZero() ? Optional.empty() : Optional.of(longer);
    }

    public void failed(String username, String address) {
        Instant now = clock.instant();
        record(userKey(username), now);
        record(addressKey(address), now);
    }

    public void succeeded(String username) {
        failures.remove(userKey(username));
    }

    private Duration wait(String key, int limit, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Duration.ZERO;
        }
        synchronized (times) {
            prune(times, now);
            if (times.size() < limit) {
                return Duration.ZERO;
            }
            // Allowed again once enough failures have aged out to be under the limit.
            Instant freed = times.stream().skip(times.size() - limit).findFirst().orElseThrow().plus(window);
            return Duration.between(now, freed);
        }
    }

    private void record(String key, Instant now) {
        if (failures.size() > MAX_TRACKED) {
            failures.values().removeIf(times -> {
                synchronized (times) {
                    prune(times, now);
                    return times.isEmpty();
                }
            });
        }
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times, now);
            times.addLast(now);
            // Bounded: only the newest failures up to the larger limit decide anything.
            while (times.size() > Math.max(perUser, perAddress)) {
                times.removeFirst();
            }
        }
    }

    private void prune(Deque<Instant> times, Instant now) {
        while (!times.isEmpty() && !times.peekFirst().plus(window).isAfter(now)) {
            times.removeFirst();
        }
    }

    private static String userKey(String username) {
        return "user:" + (username == null ? "" : username.toLowerCase(Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }
}
