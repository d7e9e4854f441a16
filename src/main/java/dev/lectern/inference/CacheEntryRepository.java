package dev.lectern.inference;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The prefix cache's entries in PostgreSQL ({@code cache_entries}); blocking JDBC. */
@Repository
class CacheEntryRepository {

    /** One row: what is remembered about an entry across restarts. */
    record Row(String key, String fingerprint, String label, int tokens, int cachedTokens, Long diskBytes,
               boolean pinned, long hits, long tokensSaved, Instant lastHitAt, Long encodeMillis, Instant createdAt) {
    }

    private final JdbcClient jdbc;

    CacheEntryRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<Row> findAll() {
        return jdbc.sql("SELECT * FROM cache_entries ORDER BY created_at, prefix_key").query(CacheEntryRepository::row).list();
    }

    void upsert(Row row) {
        jdbc.sql("""
                        INSERT INTO cache_entries (prefix_key, fingerprint, label, tokens, cached_tokens, disk_bytes, pinned,
                            hits, tokens_saved, last_hit_at, encode_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (prefix_key) DO UPDATE SET label = EXCLUDED.label, tokens = EXCLUDED.tokens,
                            cached_tokens = EXCLUDED.cached_tokens, disk_bytes = EXCLUDED.disk_bytes,
                            pinned = EXCLUDED.pinned, hits = EXCLUDED.hits, tokens_saved = EXCLUDED.tokens_saved,
                            last_hit_at = EXCLUDED.last_hit_at, encode_ms = EXCLUDED.encode_ms""")
                .params(row.key(), row.fingerprint(), row.label(), row.tokens(), row.cachedTokens(), row.diskBytes(),
                        row.pinned(), row.hits(), row.tokensSaved(), timestamp(row.lastHitAt()), row.encodeMillis())
                .update();
    }

    void delete(String key) {
        jdbc.sql("DELETE FROM cache_entries WHERE prefix_key = ?").param(key).update();
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        return new Row(rs.getString("prefix_key"), rs.getString("fingerprint"), rs.getString("label"), rs.getInt("tokens"),
                rs.getInt("cached_tokens"), (Long) rs.getObject("disk_bytes"), rs.getBoolean("pinned"), rs.getLong("hits"),
                rs.getLong("tokens_saved"), instant(rs.getTimestamp("last_hit_at")), (Long) rs.getObject("encode_ms"),
                instant(rs.getTimestamp("created_at")));
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
