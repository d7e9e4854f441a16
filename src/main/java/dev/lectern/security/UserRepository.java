package dev.lectern.security;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Accounts in PostgreSQL. Blocking JDBC: reactive callers run it on a bounded scheduler. */
@Repository
public class UserRepository {

    private final JdbcClient jdbc;

    public UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<UserAccount> findByUsername(String username) {
        return jdbc.sql("SELECT id, username, password_hash, role, enabled FROM users WHERE username = ?")
                .param(username)
                .query((row, n) -> new UserAccount(row.getLong("id"), row.getString("username"),
                        row.getString("password_hash"), Role.valueOf(row.getString("role")),
                        row.getBoolean("enabled")))
                .optional();
    }

    /** Creates the account unless one with that name exists; true if this call created it. */
    public boolean createIfAbsent(String username, String passwordHash, Role role) {
        return jdbc.sql("""
                        INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)
                        ON CONFLICT (username) DO NOTHING""")
                .params(username, passwordHash, role.name())
                .update() == 1;
    }
}
