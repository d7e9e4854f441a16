package dev.lectern.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternIntegrationTest;
import dev.lectern.engine.cpu.NativeKernels;

class ApiAuthenticationTest extends LecternIntegrationTest {

    private static final String READER = "reader";
    private static final String READER_PASSWORD = "reader-password-123";

    @Autowired
    private UserRepository users;

    @Autowired
    private PasswordEncoder passwordEncoder;

    private WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
        users.createIfAbsent(READER, passwordEncoder.encode(READER_PASSWORD), Role.MEMBER);
    }

    @Test
    void apiAcceptsHttpBasicAndSaysWhoTheCallerIs() {
        client.get().uri("/api/me").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.username").isEqualTo("admin")
                .jsonPath("$.roles[0]").isEqualTo("ADMIN");
        client.get().uri("/api/me").headers(h -> h.setBasicAuth(READER, READER_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.roles[0]").isEqualTo("MEMBER");
    }

    @Test
    void apiWithoutOrWithWrongCredentialsIsRefusedWithABasicChallenge() {
        client.get().uri("/api/me").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"Lectern\"");
        client.get().uri("/api/me").headers(h -> h.setBasicAuth(ADMIN, "wrong")).exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void basicAuthenticationCreatesNoSession() {
        client.get().uri("/api/me").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectCookie().doesNotExist("SESSION");
    }

    @Test
    void statusReportsTheEmbeddedDatabaseAndVectorSupport() {
        client.get().uri("/api/status").headers(h -> h.setBasicAuth(READER, READER_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.database.mode").isEqualTo("embedded")
                .jsonPath("$.database.serverVersion").value(String.class, v -> assertThat(v).startsWith("17."))
                .jsonPath("$.vectorSupport").value(String.class, v -> assertThat(v).contains("-bit vectors")
                        .doesNotContain("DISABLED"))
                // The instruction set this JVM chose, by name, or the Vector API and why.
                .jsonPath("$.cpuKernels").value(String.class, v -> assertThat(v).startsWith(
                        NativeKernels.load().loaded() ? "native CPU kernels: " + NativeKernels.load().isa().id() + " "
                                : "Vector API "))
                .jsonPath("$.model.configured").isEqualTo(false)
                .jsonPath("$.maxUploadBytes").isEqualTo(200 * 1024 * 1024);
    }

    @Test
    void ordinaryUsersCannotReadMetrics() {
        client.get().uri("/actuator/prometheus").headers(h -> h.setBasicAuth(READER, READER_PASSWORD)).exchange()
                .expectStatus().isForbidden();
    }

    /** A session cookie alone must not be enough to write: another site could make the browser send it. */
    @Test
    void sessionWritesToTheApiNeedACsrfTokenButBasicWritesDoNot() {
        String session = client.get().uri("/login").exchange()
                .expectBody(String.class).returnResult().getResponseCookies().getFirst("SESSION").getValue();
        client.post().uri("/api/me").cookie("SESSION", session).exchange()
                .expectStatus().isForbidden();
        // With its own credentials the request passes CSRF and reaches routing: /api/me has no POST.
        client.post().uri("/api/me").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isEqualTo(405);
    }

    @Test
    void firstAdminWasCreatedWithTheConfiguredPasswordHashed() {
        UserAccount admin = users.findByUsername(ADMIN).orElseThrow();
        assertThat(admin.role()).isEqualTo(Role.ADMIN);
        assertThat(admin.passwordHash()).startsWith("{bcrypt}").doesNotContain(ADMIN_PASSWORD);
        assertThat(passwordEncoder.matches(ADMIN_PASSWORD, admin.passwordHash())).isTrue();
    }
}
