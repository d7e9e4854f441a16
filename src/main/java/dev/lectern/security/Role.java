package dev.lectern.security;

/** What an account may do: ADMIN also manages accounts and sees the dashboard and metrics. */
public enum Role {
    ADMIN,
    MEMBER
}
