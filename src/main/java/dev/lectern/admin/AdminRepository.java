package dev.lectern.admin;

import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** What the admin page reads from PostgreSQL: the users with their usage, the documents of each cache entry. */
@Repository
class AdminRepository {

    private final JdbcClient jdbc;

    AdminRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<UserRow> users() {
        return jdbc.sql("""
                        SELECT u.id, u.username, u.role, COALESCE(g.requests, 0) AS requests,
                            COALESCE(g.failed_requests, 0) AS failed_requests, COALESCE(g.prompt_tokens, 0) AS prompt_tokens,
                            COALESCE(g.cached_tokens, 0) AS cached_tokens,
                            COALESCE(g.generation_tokens, 0) AS generation_tokens, COALESCE(d.documents, 0) AS documents,
                            GREATEST(g.last_active_at, d.last_upload) AS last_active
                        FROM users u
                        LEFT JOIN user_usage g ON g.user_id = u.id
                        LEFT JOIN (SELECT owner_id, count(*) AS documents, max(created_at) AS last_upload
                                   FROM documents GROUP BY owner_id) d ON d.owner_id = u.id
                        ORDER BY last_active DESC NULLS LAST, u.username""")
                .query((row, n) -> {
                    Timestamp last = row.getTimestamp("last_active");
                    return new UserRow(row.getLong("id"), row.getString("username"), row.getString("role"),
                            row.getLong("requests"), row.getLong("failed_requests"), row.getLong("prompt_tokens"),
                            row.getLong("cached_tokens"), row.getLong("generation_tokens"), row.getLong("documents"),
                            last == null ? null : last.toInstant());
                })
                .list();
    }

    /** The documents that name each prefix key, oldest first. */
    Map<String, List<CacheRow.DocumentRef>> documentsByPrefix() {
        record Named(String key, CacheRow.DocumentRef document) {
        }
        return jdbc.sql("""
                        SELECT d.prefix_key, d.id, COALESCE(NULLIF(d.title, ''), d.filename) AS title, u.username
                        FROM documents d JOIN users u ON u.id = d.owner_id
                        WHERE d.prefix_key IS NOT NULL ORDER BY d.created_at""")
                .query((row, n) -> new Named(row.getString("prefix_key"), new CacheRow.DocumentRef(
                        row.getString("id"), row.getString("title"), row.getString("username"))))
                .list().stream()
                .collect(Collectors.groupingBy(Named::key, Collectors.mapping(Named::document, Collectors.toList())));
    }
}
