package dev.lectern.security;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * Whether a signed-in account may go on, asked on every request: a session outlives the moment an admin
 * disables its account or resets its password, so the session alone cannot say. Answers from memory;
 * {@link AccountService} forgets an account whenever it changes one, and the next request reads it again.
 */
@Component
public class AccountGate {

    /** What a request needs to know about its account. */
    public record Standing(boolean enabled, boolean mustChangePassword, Role role) {
    }

    private final UserRepository users;
    private final Map<String, Optional<Standing>> known = new ConcurrentHashMap<>();

    AccountGate(UserRepository users) {
        this.users = users;
    }

    /** The account's standing, or empty when it no longer exists. Blocking on a miss: call off the event loop. */
    public Optional<Standing> standing(String username) {
        Optional<Standing> cached = known.get(username);
        if (cached != null) {
            return cached;
        }
        Optional<Standing> read = users.findByUsername(username)
                .map(account -> new Standing(account.enabled(), account.mustChangePassword(), account.role()));
        known.put(username, read);
        return read;
    }

    /** Whether the answer for {@code username} is in memory (no database read needed). */
    boolean knows(String username) {
        return known.containsKey(username);
    }

    void forget(String username) {
        known.remove(username);
    }
}
