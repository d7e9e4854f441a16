package dev.lectern.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternIntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The team's accounts through the REST API: an admin adds, disables, re-enables, promotes and resets; a
 * password someone else set must be replaced before anything else; the rules for passwords; the last
 * admin cannot be locked out; members cannot manage accounts.
 */
class AccountsApiTest extends LecternIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aNewMemberChoosesTheirOwnPasswordBeforeAnythingElse() {
        JsonNode created = create("dana", "MEMBER");
        String temporary = created.get("temporaryPassword").asString();
        assertThat(temporary).hasSizeGreaterThanOrEqualTo(16);
        assertThat(created.at("/account/mustChangePassword").asBoolean()).isTrue();
        assertThat(created.toString()).doesNotContain("passwordHash").doesNotContain("{bcrypt}");

        client.get().uri("/api/documents").headers(h -> h.setBasicAuth("dana", temporary)).exchange()
                .expectStatus().isForbidden()
                .expectBody().jsonPath("$.error").isEqualTo("PASSWORD_CHANGE_REQUIRED");
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("dana", temporary)).exchange().expectStatus().isOk();

        changePassword("dana", temporary, temporary, "short1").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("WEAK_PASSWORD")
                .jsonPath("$.message").value(String.class, m -> assertThat(m).contains("at least 10 characters"));
        changePassword("dana", temporary, temporary, "dana-is-my-name").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.message").value(String.class, m -> assertThat(m).contains("user name"));
        changePassword("dana", temporary, temporary, "aaaaaaaaaaaa").expectStatus().isBadRequest();
        changePassword("dana", temporary, "not-the-password", "lantern river quartz").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("WRONG_PASSWORD");
        changePassword("dana", temporary, temporary, "lantern river quartz").expectStatus().isNoContent();

        client.get().uri("/api/documents").headers(h -> h.setBasicAuth("dana", "lantern river quartz")).exchange()
                .expectStatus().isOk();
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("dana", temporary)).exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void aDisabledAccountIsShutOutAtItsNextRequestAndComesBackWhenEnabled() {
        JsonNode created = create("erin", "MEMBER");
        long id = created.at("/account/id").asLong();
        String password = settle("erin", created.get("temporaryPassword").asString());

        patch(id, Map.of("enabled", false)).expectStatus().isOk().expectBody().jsonPath("$.enabled").isEqualTo(false);
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("erin", password)).exchange()
                .expectStatus().isUnauthorized();
        patch(id, Map.of("enabled", true)).expectStatus().isOk();
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("erin", password)).exchange().expectStatus().isOk();

        // A reset makes the old password useless at once and the new one temporary.
        String reset = JSON.readTree(client.post().uri("/api/admin/users/" + id + "/password")
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseBody()).get("temporaryPassword").asString();
        client.get().uri("/api/me").headers(h -> h.setBasicAuth("erin", password)).exchange().expectStatus().isUnauthorized();
        client.get().uri("/api/documents").headers(h -> h.setBasicAuth("erin", reset)).exchange()
                .expectStatus().isForbidden().expectBody().jsonPath("$.error").isEqualTo("PASSWORD_CHANGE_REQUIRED");
    }

    @Test
    void membersCannotManageAccountsAndTheLastAdminCannotBeLockedOut() {
        JsonNode created = create("frank", "MEMBER");
        String password = settle("frank", created.get("temporaryPassword").asString());
        client.get().uri("/api/admin/users").headers(h -> h.setBasicAuth("frank", password)).exchange()
                .expectStatus().isForbidden();
        client.post().uri("/api/admin/users").headers(h -> h.setBasicAuth("frank", password))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "mallory", "role", "ADMIN"))
                .exchange().expectStatus().isForbidden();

        long adminId = -1;
        int admins = 0;
        for (JsonNode account : accounts()) {
            adminId = account.get("username").asString().equals(ADMIN) ? account.get("id").asLong() : adminId;
            admins += account.get("role").asString().equals("ADMIN") && account.get("enabled").asBoolean() ? 1 : 0;
        }
        patch(adminId, Map.of("enabled", false)).expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.error").value(String.class, code -> assertThat(code).isIn("LAST_ADMIN", "OWN_ACCOUNT"));
        if (admins == 1) {
            patch(adminId, Map.of("role", "MEMBER")).expectStatus().isEqualTo(409)
                    .expectBody().jsonPath("$.error").isEqualTo("LAST_ADMIN");
        }

        // A second admin can be made, and then the first may step down.
        long frankId = created.at("/account/id").asLong();
        patch(frankId, Map.of("role", "ADMIN")).expectStatus().isOk().expectBody().jsonPath("$.role").isEqualTo("ADMIN");
        client.get().uri("/api/admin/users").headers(h -> h.setBasicAuth("frank", password)).exchange().expectStatus().isOk();
        patch(frankId, Map.of("role", "MEMBER")).expectStatus().isOk();
        client.get().uri("/api/admin/users").headers(h -> h.setBasicAuth("frank", password)).exchange()
                .expectStatus().isForbidden();

        create("frank", "MEMBER", 409);
        client.post().uri("/api/admin/users").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", "<script>", "role", "MEMBER"))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("BAD_USERNAME");
    }

    private JsonNode create(String username, String role) {
        return create(username, role, 201);
    }

    private JsonNode create(String username, String role, int status) {
        byte[] body = client.post().uri("/api/admin/users").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("username", username, "role", role))
                .exchange().expectStatus().isEqualTo(status).expectBody().returnResult().getResponseBody();
        return JSON.readTree(body);
    }

    private JsonNode accounts() {
        return JSON.readTree(client.get().uri("/api/admin/users").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody());
    }

    /** Replaces the temporary password with one of the user's own, and returns it. */
    private String settle(String username, String temporary) {
        String own = "lantern river quartz " + username.length();
        changePassword(username, temporary, temporary, own).expectStatus().isNoContent();
        return own;
    }

    private WebTestClient.ResponseSpec changePassword(String username, String signIn, String current, String next) {
        return client.post().uri("/api/me/password").headers(h -> h.setBasicAuth(username, signIn))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("currentPassword", current, "newPassword", next)).exchange();
    }

    private WebTestClient.ResponseSpec patch(long id, Map<String, Object> change) {
        return client.patch().uri("/api/admin/users/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(change).exchange();
    }
}
