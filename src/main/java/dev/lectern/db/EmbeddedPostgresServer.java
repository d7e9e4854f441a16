package dev.lectern.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server that Lectern runs itself, with its files under the data directory, so a fresh
 * install needs no database set up and what users store survives restarts.
 *
 * <p>PostgreSQL refuses to run as root. As root, zonky starts it through {@code unshare -U}: in a new
 * user namespace the same process appears as an unprivileged user, and the files it creates are still
 * owned by root on disk. Where user namespaces are disabled there is no way to start it as root, and we
 * say so before trying.
 *
 * <p>The server listens on localhost only, and every connection, over TCP or the Unix socket, must give
 * the superuser's password (SCRAM), which is kept in {@code postgres-password} beside the database
 * directory with mode 0600: other accounts on a shared machine cannot read what users stored.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    static final String DATABASE = "lectern";
    private static final String SUPERUSER = "postgres";
    private static final Path BINARIES_CACHE =
            Path.of(System.getProperty("user.home"), ".cache", "lectern", "embedded-postgres");
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    /** Who may connect: nobody without the password, whichever way they come. */
    static final String CLIENT_AUTHENTICATION = """
            # Written by Lectern at every start: the embedded database is Lectern's alone.
            # Every connection needs the password kept in ../postgres-password (mode 0600).
            local all all scram-sha-256
            host  all all 127.0.0.1/32 scram-sha-256
            host  all all ::1/128 scram-sha-256
            """;

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final String password;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory, String password) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.password = password;
    }

    public static EmbeddedPostgresServer start(Path dataDirectory) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        requireStartableAsCurrentUser();
        boolean fresh = !Files.exists(directory.resolve("PG_VERSION"));
        try {
            Files.createDirectories(directory);
            Files.createDirectories(BINARIES_CACHE);
            stopOrphanedServer(directory);
            Path passwordFile = passwordFileOf(directory);
            String password = DatabasePassword.readOrCreate(passwordFile);
            long started = System.nanoTime();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    // Not under /tmp, where cleaners may delete the binaries of a server that runs for weeks.
                    .setOverrideWorkingDirectory(BINARIES_CACHE.toFile())
                    .setCleanDataDirectory(false)
                    // Spring closes us in order; a JVM shutdown hook of zonky's would race the pool.
                    .setRegisterShutdownHook(false)
                    .setLocaleConfig("locale", "C")
                    .setLocaleConfig("encoding", "UTF8")
                    // zonky's defaults suit throw-away test databases; these are users' documents.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "50")
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // zonky's own connections (its readiness check among them) log in with the password too.
                    .setConnectConfig("password", password)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, directory, password);
            server.requirePassword();
            server.createApplicationDatabase();
            log.info("Embedded PostgreSQL {} in {} on port {} ({} ms)",
                    fresh ? "initialised and started" : "started", directory, postgres.getPort(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return server;
        } catch (IOException | SQLException | RuntimeException e) {
            if (isPasswordRefused(e)) {
                throw new EmbeddedDatabaseException("The embedded PostgreSQL in " + directory + " refused the"
                        + " password in " + passwordFileOf(directory) + ". That file must be the one created with"
                        + " this database: restore it from the same backup as the database. To set a new one,"
                        + " stop Lectern, write 'local all all trust' as the only line of " + directory.resolve(
                        "pg_hba.conf") + " and start Lectern once: it sets the password from the file and"
                        + " requires it again.", e);
            }
            throw new EmbeddedDatabaseException("Could not start the embedded PostgreSQL in " + directory
                    + ": " + mostSpecificMessage(e) + ". Check that the directory is writable and not used by"
                    + " another Lectern, or set LECTERN_DB_URL to use an existing PostgreSQL server.", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
    }

    public String username() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    static Path passwordFileOf(Path databaseDirectory) {
        return databaseDirectory.resolveSibling("postgres-password");
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() throws IOException {
        log.info("Stopping embedded PostgreSQL in {}", dataDirectory);
        postgres.close();
    }

    /**
     * Gives the superuser its password and makes every way in ask for it. A database from before this
     * (trust for everyone on localhost) is converted at its next start; the configuration is rewritten
     * at every start so a hand-edited file cannot quietly open the database again.
     */
    private void requirePassword() throws SQLException, IOException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + SUPERUSER + " WITH PASSWORD '" + password.replace("'", "''") + "'");
            Path hba = dataDirectory.resolve("pg_hba.conf");
            if (!Files.exists(hba) || !Files.readString(hba).equals(CLIENT_AUTHENTICATION)) {
                Files.writeString(hba, CLIENT_AUTHENTICATION);
                statement.execute("SELECT pg_reload_conf()");
                log.info("The embedded PostgreSQL now requires the password in {} for every connection",
                        passwordFileOf(dataDirectory));
            }
        }
    }

    private static boolean isPasswordRefused(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && "28P01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private void createApplicationDatabase() throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            try (ResultSet existing = statement.executeQuery(
                    "SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (existing.next()) {
                    return;
                }
            }
            statement.execute("CREATE DATABASE " + DATABASE);
        }
    }

    private static void requireStartableAsCurrentUser() {
        if (!isRoot()) {
            return;
        }
        if (!canUnshareUserNamespace()) {
            throw new EmbeddedDatabaseException("Lectern is running as root, and PostgreSQL refuses to run as"
                    + " root. The embedded database starts as root only through 'unshare -U' (a user"
                    + " namespace), which this system does not allow. Run Lectern as a normal user, or set"
                    + " LECTERN_DB_URL (with LECTERN_DB_USERNAME and LECTERN_DB_PASSWORD) to use an"
                    + " existing PostgreSQL server.", null);
        }
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer id && id == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean canUnshareUserNamespace() {
        try {
            Process probe = new ProcessBuilder(List.of("unshare", "-U", "true"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A Lectern killed without a shutdown (kill -9, a crash) leaves its PostgreSQL running on the data
     * directory, and a second server cannot start there. Stop that one first; its data is consistent.
     */
    private static void stopOrphanedServer(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> orphan = Files.readAllLines(pidFile).stream().findFirst()
                .map(String::strip)
                .filter(line -> line.matches("\\d+"))
                .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)))
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        log.warn("A PostgreSQL server (pid {}) from an earlier run is still using {}; stopping it",
                orphan.get().pid(), directory);
        orphan.get().destroy();
        try {
            orphan.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("the PostgreSQL server left running by an earlier run (pid "
                    + orphan.get().pid() + ") did not stop within 30 s", e);
        }
    }

    private static String mostSpecificMessage(Throwable failure) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
