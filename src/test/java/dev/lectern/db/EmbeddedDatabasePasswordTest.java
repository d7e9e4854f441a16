package dev.lectern.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.lectern.LecternIntegrationTest;

/**
 * The embedded database is Lectern's alone: a local account that knows the port but not the password
 * in the data directory cannot connect, over TCP or over a guessed password; Lectern itself can, also
 * after a restart, and a database from before passwords is converted.
 */
class EmbeddedDatabasePasswordTest {

    @Test
    void onlyTheSecretInTheDataDirectoryOpensTheDatabase() throws Exception {
        Path directory = LecternIntegrationTest.freshDataDirectory().resolve("postgres");
        String url;
        String password;
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(directory)) {
            url = server.jdbcUrl();
            password = server.password();
            Path secret = EmbeddedPostgresServer.passwordFileOf(directory);
            assertThat(Files.readString(secret).strip()).isEqualTo(password).hasSizeGreaterThanOrEqualTo(40);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
            assertThat(Files.readString(directory.resolve("pg_hba.conf")))
                    .isEqualTo(EmbeddedPostgresServer.CLIENT_AUTHENTICATION).doesNotContain("trust");

            assertRefused(url, null);
            assertRefused(url, "postgres");
            assertRefused(url, password.substring(1));
            assertThat(selectOne(url, password)).isEqualTo(1);
        }

        try (EmbeddedPostgresServer again = EmbeddedPostgresServer.start(directory)) {
            assertThat(again.password()).as("the same secret after a restart").isEqualTo(password);
            assertThat(selectOne(again.jdbcUrl(), password)).isEqualTo(1);
            assertRefused(again.jdbcUrl(), null);
        }
    }

    @Test
    void aDatabaseThatTrustedLocalhostIsClosedAtItsNextStart() throws Exception {
        Path directory = LecternIntegrationTest.freshDataDirectory().resolve("postgres");
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(directory)) {
            assertThat(first.password()).isNotBlank();
        }
        // As every install before passwords: trust for everyone, no secret file.
        Files.writeString(directory.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\nlocal all all trust\n");
        Files.delete(EmbeddedPostgresServer.passwordFileOf(directory));

        try (EmbeddedPostgresServer converted = EmbeddedPostgresServer.start(directory)) {
            assertThat(converted.password()).isEqualTo(Files.readString(EmbeddedPostgresServer.passwordFileOf(directory)).strip());
            assertRefused(converted.jdbcUrl(), null);
            assertThat(selectOne(converted.jdbcUrl(), converted.password())).isEqualTo(1);
        }
    }

    private static void assertRefused(String url, String password) {
        assertThatThrownBy(() -> selectOne(url, password))
                .as("a connection with password %s", password == null ? "none" : "'" + password + "'")
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("28P01", "08004"));
    }

    private static int selectOne(String url, String password) throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", "postgres");
        if (password != null) {
            login.setProperty("password", password);
        }
        try (Connection connection = DriverManager.getConnection(url, login);
             ResultSet one = connection.createStatement().executeQuery("SELECT 1")) {
            one.next();
            return one.getInt(1);
        }
    }
}
