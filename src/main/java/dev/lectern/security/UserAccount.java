package dev.lectern.security;

/** A row of {@code users}: the password only as its encoded hash, never in clear. */
public record UserAccount(long id, String username, String passwordHash, Role role, boolean enabled) {
}
