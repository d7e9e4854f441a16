package dev.lectern.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.web.FormLogin;

/**
 * Password guessing is slowed per account and per address, over the login form and HTTP Basic alike, and
 * a browser session ends after its idle timeout. A context of its own with small limits: the per-address
 * limit would otherwise count every test's failures.
 */
@SpringBootTest(classes = LecternApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignInLimitsTest {

    private static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(3);

    @DynamicPropertySource
    static void limits(DynamicPropertyRegistry registry) {
        registry.add("lectern.data-dir", DATA_DIR::toString);
        registry.add("lectern.security.admin-password", () -> "limits-admin-password");
        registry.add("lectern.db.url", () -> "");
        registry.add("lectern.security.sign-in-failures-per-user", () -> "3");
        registry.add("lectern.security.sign-in-failures-per-address", () -> "8");
        registry.add("lectern.security.session-timeout", () -> SESSION_TIMEOUT.toMillis() + "ms");
    }

    @LocalServerPort
    private int port;

    @Autowired
    private UserRepository users;

    @Autowired
    private PasswordEncoder encoder;

    private WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        for (String name : new String[] {"gina", "hugo", "ida"}) {
            users.createIfAbsent(name, encoder.encode("password of " + name.length()), Role.MEMBER);
        }
    }

    @Test
    @Order(1)
    void aBrowserSessionEndsAfterItsIdleTimeout() throws InterruptedException {
        String session = signInWithTheForm("ida", "password of 3");
        client.get().uri("/api/me").cookie("SESSION", session).exchange().expectStatus().isOk();
        Thread.sleep(SESSION_TIMEOUT.plusSeconds(1).toMillis());
        client.get().uri("/api/me").cookie("SESSION", session).exchange().expectStatus().isUnauthorized();
    }

    @Test
    @Order(2)
    void guessingIsStoppedPerAccountAndThenPerAddress() {
        for (int i = 0; i < 3; i++) {
            client.get().uri("/api/me").headers(h -> h.setBasicAuth("gina", "guess")).exchange().expectStatus().isUnauthorized();
        }
        // Even the right password waits now, and the answer says how long.
        EntityExchangeResult<byte[]> throttled = client.get().uri("/api/me")
                .headers(h -> h.setBasicAuth("gina", "password of 4")).exchange()
                .expectStatus().isEqualTo(429)
                .expectBody().jsonPath("$.error").isEqualTo("SIGN_IN_THROTTLED").returnResult();
        long retryAfter = Long.parseLong(throttled.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER));
        assertThat(retryAfter).isBetween(890L, 900L);

        // The form says so too, in words.
        String location = FormLogin.signIn(client, "gina", "password of 4").location();
        assertThat(location).startsWith("/login?throttled=");
        String page = new String(client.get().uri(location).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseBody());
        assertThat(page).contains("Too many failed sign-ins. Try again in", "15 minutes");

        // Another account from the same address still signs in, until the address has failed too often.
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("hugo", "password of 4")).exchange().expectStatus().isOk();
        for (int i = 0; i < 5; i++) {
            String guessed = "guess-" + i;
            client.get().uri("/api/me").headers(h -> h.setBasicAuth(guessed, "guess")).exchange()
                    .expectStatus().isUnauthorized();
        }
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("hugo", "password of 4")).exchange()
                .expectStatus().isEqualTo(429);
    }

    private String signInWithTheForm(String username, String password) {
        FormLogin.Result result = FormLogin.signIn(client, username, password);
        assertThat(result.location()).isEqualTo("/");
        return result.sessionCookie();
    }
}
