package dev.lectern.api;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternIntegrationTest;

/** Without a configured model the app runs, and asking says how to configure one. */
class GenerateWithoutModelTest extends LecternIntegrationTest {

    @Test
    void generatingWithoutAModelIsA503ThatSaysWhatToSet() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30))
                .build();
        client.post().uri("/api/generate").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("prompt", "Hello"))
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectBody()
                .jsonPath("$.error").isEqualTo("MODEL_NOT_LOADED")
                .jsonPath("$.message").value(String.class, message ->
                        org.assertj.core.api.Assertions.assertThat(message).contains("LECTERN_MODEL_PATH"));
        client.get().uri("/api/status").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.engine.state").isEqualTo("NOT_CONFIGURED")
                .jsonPath("$.engine.message").value(String.class, message ->
                        org.assertj.core.api.Assertions.assertThat(message).contains("LECTERN_MODEL_PATH"));
    }
}
