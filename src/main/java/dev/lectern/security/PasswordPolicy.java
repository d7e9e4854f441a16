package dev.lectern.security;

import java.util.Locale;
import java.util.Optional;

/**
 * What a new password must be: long enough to resist guessing at the sign-in's rate limit, not the
 * account's name or built from it, and not one character repeated. Length is what makes passwords strong;
 * composition rules (a digit, a symbol) mostly produce {@code Password1!}, so there are none.
 */
public final class PasswordPolicy {

    public static final int MAX_LENGTH = 128;

    private final int minLength;

    public PasswordPolicy(int minLength) {
        this.minLength = minLength;
    }

    public int minLength() {
        return minLength;
    }

    /** Why {@code password} may not be {@code username}'s, or empty when it may. */
    public Optional<String> problem(String username, String password) {
        if (password == null || password.length() < minLength) {
            return Optional.of("The password needs at least " + minLength + " characters.");
        }
        if (password.length() > MAX_LENGTH) {
            return Optional.of("The password may have at most " + MAX_LENGTH + " characters.");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        String name = username == null ? "" : username.toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && (lower.contains(name) || (name.length() >= minLength && name.contains(lower)))) {
            return Optional.of("The password may not contain the user name.");
        }
        if (password.chars().distinct().count() < 4) {
            return Optional.of("The password needs at least 4 different characters.");
        }
        return Optional.empty();
    }
}
