package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternIntegrationTest;

class PagesAndSecurityTest extends LecternIntegrationTest {

    private WebTestClient client;

    @BeforeEach
    void client() {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void anonymousVisitorOfTheHomePageIsSentToLogin() {
        client.get().uri("/").accept(MediaType.TEXT_HTML).exchange()
                .expectStatus().isFound()
                .expectHeader().location("/login");
    }

    @Test
    void noPageIsOpenWithoutSigningIn() {
        for (String path : new String[] {"/", "/does-not-exist", "/admin", "/conversations/1"}) {
            client.get().uri(path).exchange()
                    .expectStatus().isFound()
                    .expectHeader().location("/login");
        }
        for (String path : new String[] {"/api/me", "/api/status", "/api/anything", "/actuator/prometheus",
                "/actuator/info"}) {
            client.get().uri(path).exchange().expectStatus().isUnauthorized();
        }
    }

    @Test
    void loginPageAndItsStylesAreServedToAnyone() {
        String page = client.get().uri("/login").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(page).contains("<form", "name=\"username\"", "name=\"password\"", "name=\"_csrf\"")
                .doesNotContain("Wrong user name or password");
        client.get().uri("/css/lectern.css").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(css -> assertThat(css).contains("--accent"));
    }

    @Test
    void signedInUserSeesTheChatAndTheStatusPageWithWhatTheServerRuns() {
        FormLogin.Result login = FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD);
        assertThat(login.status()).isEqualTo(HttpStatus.FOUND);
        assertThat(login.location()).isEqualTo("/");

        String chat = client.get().uri("/").cookie("SESSION", login.sessionCookie()).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(chat).contains("<title>Chat · Lectern</title>", "data-engine-state=\"NOT_CONFIGURED\"");

        String home = client.get().uri("/status").cookie("SESSION", login.sessionCookie()).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(home)
                .contains("<h1>Status</h1>")
                .contains("PostgreSQL 17")
                .contains("(embedded)")
                .contains("No model is configured")
                .contains("CPU kernels")
                .contains("Sign out");
    }

    /** Pages that do not exist yet get Lectern's own page, with the way home, not Spring's "Whitelabel" page. */
    @Test
    void unknownPagesShowAStyledNotFoundPageWithALinkHome() {
        FormLogin.Result login = FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD);
        for (String path : new String[] {"/documents", "/chat"}) {
            String page = client.get().uri(path).cookie("SESSION", login.sessionCookie()).accept(MediaType.TEXT_HTML)
                    .exchange()
                    .expectStatus().isNotFound()
                    .expectBody(String.class).returnResult().getResponseBody();
            assertThat(page)
                    .contains("<title>Page not found · Lectern</title>", "/css/lectern.css", "404 · Not Found")
                    .contains("There is no page at <code>" + path + "</code>")
                    .contains("href=\"/\"", "Back to the home page")
                    .doesNotContain("Whitelabel");
        }
    }

    @Test
    void unknownApiPathsStillAnswerJson() {
        client.get().uri("/api/nothing-here").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .accept(MediaType.APPLICATION_JSON).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404);
    }

    @Test
    void wrongPasswordReturnsToLoginWithAMessage() {
        FormLogin.Result login = FormLogin.signIn(client, ADMIN, "not-the-password");
        assertThat(login.status()).isEqualTo(HttpStatus.FOUND);
        assertThat(login.location()).isEqualTo("/login?error");
        client.get().uri("/login?error").exchange()
                .expectBody(String.class).value(page -> assertThat(page).contains("Wrong user name or password"));
    }

    @Test
    void signingOutEndsTheSession() {
        FormLogin.Result login = FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD);
        String home = client.get().uri("/").cookie("SESSION", login.sessionCookie()).exchange()
                .expectBody(String.class).returnResult().getResponseBody();
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("_csrf", FormLogin.csrfToken(home));
        client.post().uri("/logout").cookie("SESSION", login.sessionCookie())
                .body(BodyInserters.fromFormData(form)).exchange()
                .expectStatus().isFound()
                .expectHeader().location("/login?logout");
        client.get().uri("/").cookie("SESSION", login.sessionCookie()).exchange()
                .expectStatus().isFound()
                .expectHeader().location("/login");
    }

    @Test
    void healthIsUpForAnonymousProbesWithoutDetails() {
        client.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components").doesNotExist();
    }

    @Test
    void adminSeesHealthDetailsAndPrometheusMetricsOverHttpBasic() {
        client.get().uri("/actuator/health").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.components.db.status").isEqualTo("UP")
                .jsonPath("$.components.diskSpace.details.path").isEqualTo(DATA_DIR.toAbsolutePath().toString());
        client.get().uri("/actuator/prometheus").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(metrics -> assertThat(metrics).contains("jvm_memory_used_bytes"));
    }
}
