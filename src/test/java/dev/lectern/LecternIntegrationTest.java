package dev.lectern;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole app on a random port against its embedded PostgreSQL, in a data directory of its own
 * (fresh per test JVM, so every run starts from an empty database). Subclasses share one context.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class LecternIntegrationTest {

    protected static final String ADMIN = "admin";
    protected static final String ADMIN_PASSWORD = "correct-horse-battery-staple";
    protected static final Path DATA_DIR = freshDataDirectory();

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void lecternProperties(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> ADMIN_PASSWORD);
        // Every test class in this context signs in from 127.0.0.1: SignInLimitsTest tests that limit.
        registry.add("lectern.security.sign-in-failures-per-address", () -> "1000");
        registry.add("lectern.db.url", () -> "");
    }

    protected String baseUrl() {
        return "http://localhost:" + port;
    }

    public static Path freshDataDirectory() {
        try {
            Path testData = Files.createDirectories(Path.of("target", "test-data"));
            return Files.createTempDirectory(testData.toAbsolutePath(), "lectern-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
