package dev.lectern.security;

import java.time.Instant;

/**
 * A row of {@code users}: the password only as its encoded hash, never in clear. {@code mustChangePassword}
 * marks a password someone else has seen (generated, set by an admin): its holder must replace it first.
 */
public record UserAccount(long id, String username, String passwordHash, Role role, boolean enabled,
                          boolean mustChangePassword, Instant createdAt, Instant lastSignInAt) {
}
