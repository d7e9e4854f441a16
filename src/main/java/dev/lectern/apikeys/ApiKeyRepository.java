package dev.lectern.apikeys;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code api_keys} table: keys by their SHA-256, never in clear. Blocking JDBC. */
@Repository
class ApiKeyRepository {

    private final JdbcClient jdbc;

    ApiKeyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    ApiKeyView insert(long userId, String name, String keyHash, String hint) {
        return jdbc.sql("""
                        INSERT INTO api_keys (user_id, name, key_hash, key_hint) VALUES (?, ?, ?, ?)
                        RETURNING id, name, key_hint, created_at, last_used_at""")
                .params(userId, name, keyHash, hint)
                .query((row, n) -> view(row))
                .single();
    }

    List<ApiKeyView> list(long userId) {
        return jdbc.sql("SELECT id, name, key_hint, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id")
                .param(userId)
                .query((row, n) -> view(row))
                .list();
    }

    /** Deletes one of the user's keys; false when the user has no key with that id. */
    boolean delete(long userId, long id) {
        return jdbc.sql("DELETE FROM api_keys WHERE id = ? AND user_id = ?").params(id, userId).update() == 1;
    }

    /** The key with this hash and its owner, when the owner's account is enabled; marks the key used. */
    Optional<ApiKeyPrincipal> use(String keyHash) {
        return jdbc.sql("""
                        UPDATE api_keys k SET last_used_at = now() FROM users u
                        WHERE k.key_hash = ? AND u.id = k.user_id AND u.enabled
                        RETURNING k.id, u.id AS user_id, u.username, u.role""")
                .param(keyHash)
                .query((row, n) -> new ApiKeyPrincipal(row.getLong("user_id"), row.getString("username"),
                        row.getString("role"), row.getLong("id")))
                .optional();
    }

    private static ApiKeyView view(java.sql.ResultSet row) throws java.sql.SQLException {
        return new ApiKeyView(row.getLong("id"), row.getString("name"), row.getString("key_hint") + "…",
                row.getObject("created_at", OffsetDateTime.class), row.getObject("last_used_at", OffsetDateTime.class));
    }
}
