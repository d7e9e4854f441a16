package dev.lectern.security;

/** What an account may do: ADMIN also sees the dashboard, metrics and other users' resources. */
public enum Role {
    ADMIN,
    USER
}
