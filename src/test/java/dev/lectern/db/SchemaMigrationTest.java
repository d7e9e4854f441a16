package dev.lectern.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lectern.LecternIntegrationTest;

class SchemaMigrationTest extends LecternIntegrationTest {

    @Autowired
    private JdbcClient jdbc;

    @Test
    void flywayCreatedEveryTableOfTheInitialSchema() {
        List<String> tables = jdbc.sql("""
                        SELECT table_name FROM information_schema.tables
                        WHERE table_schema = 'public' ORDER BY table_name""")
                .query(String.class).list();
        assertThat(tables).contains("users", "documents", "conversations", "conversation_documents",
                "messages", "cache_entries", "flyway_schema_history");
        Boolean migrated = jdbc.sql("SELECT success FROM flyway_schema_history WHERE version = '1'")
                .query(Boolean.class).single();
        assertThat(migrated).isTrue();
    }

    @Test
    void embeddedServerRunsInTheDataDirectoryWithDurableCommits() {
        assertThat(DATA_DIR.resolve("postgres").resolve("PG_VERSION")).exists();
        assertThat(jdbc.sql("SHOW fsync").query(String.class).single()).isEqualTo("on");
        assertThat(jdbc.sql("SHOW synchronous_commit").query(String.class).single()).isEqualTo("on");
        assertThat(jdbc.sql("SELECT current_database()").query(String.class).single()).isEqualTo("lectern");
    }

    @Test
    void theSameBytesUploadedTwiceByOneOwnerAreOneDocument() {
        long owner = jdbc.sql("SELECT id FROM users WHERE username = 'admin'").query(Long.class).single();
        String insert = """
                INSERT INTO documents (id, owner_id, filename, size_bytes, sha256, status)
                VALUES (gen_random_uuid(), ?, ?, 3, ?, 'uploaded')
                ON CONFLICT (owner_id, sha256) DO NOTHING""";
        String sha = "a".repeat(64);
        assertThat(jdbc.sql(insert).params(owner, "first.pdf", sha).update()).isEqualTo(1);
        assertThat(jdbc.sql(insert).params(owner, "again.pdf", sha).update()).isZero();
    }
}
