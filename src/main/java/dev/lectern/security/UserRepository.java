package dev.lectern.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Accounts in PostgreSQL. Blocking JDBC: reactive callers run it on a bounded scheduler. */
@Repository
public class UserRepository {

    private static final String COLUMNS =
            "id, username, password_hash, role, enabled, must_change_password, created_at, last_sign_in_at";

    private final JdbcClient jdbc;

    public UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<UserAccount> findByUsername(String username) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE username = ?")
                .param(username)
                .query(UserRepository::account)
                .optional();
    }

    public Optional<UserAccount> findById(long id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = ?").param(id).query(UserRepository::account).optional();
    }

    public List<UserAccount> findAll() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM users ORDER BY lower(username)").query(UserRepository::account).list();
    }

    /** Creates the account unless one with that name exists; true if this call created it. */
    public boolean createIfAbsent(String username, String passwordHash, Role role) {
        return createIfAbsent(username, passwordHash, role, false);
    }

    public boolean createIfAbsent(String username, String passwordHash, Role role, boolean mustChangePassword) {
        return jdbc.sql("""
                        INSERT INTO users (username, password_hash, role, must_change_password) VALUES (?, ?, ?, ?)
                        ON CONFLICT (username) DO NOTHING""")
                .params(username, passwordHash, role.name(), mustChangePassword)
                .update() == 1;
    }

    public void setPassword(long id, String passwordHash, boolean mustChangePassword) {
        jdbc.sql("""
                        UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = now()
                        WHERE id = ?""")
                .params(passwordHash, mustChangePassword, id)
                .update();
    }

    public void setEnabled(long id, boolean enabled) {
        jdbc.sql("UPDATE users SET enabled = ? WHERE id = ?").params(enabled, id).update();
    }

    public void setRole(long id, Role role) {
        jdbc.sql("UPDATE users SET role = ? WHERE id = ?").params(role.name(), id).update();
    }

    /** Admins that can still sign in: the last of them may not be disabled or demoted. */
    public int countEnabledAdmins() {
        return jdbc.sql("SELECT count(*) FROM users WHERE role = 'ADMIN' AND enabled").query(Integer.class).single();
    }

    public void recordSignIn(String username) {
        jdbc.sql("UPDATE users SET last_sign_in_at = now() WHERE username = ?").param(username).update();
    }

    private static UserAccount account(ResultSet row, int n) throws SQLException {
        return new UserAccount(row.getLong("id"), row.getString("username"), row.getString("password_hash"),
                Role.valueOf(row.getString("role")), row.getBoolean("enabled"), row.getBoolean("must_change_password"),
                instant(row.getTimestamp("created_at")), instant(row.getTimestamp("last_sign_in_at")));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
