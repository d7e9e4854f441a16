package dev.lectern.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.crypto.password.PasswordEncoder;

import dev.lectern.chat.ChatIntegrationTest;
import dev.lectern.chat.TestDocuments;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/conversations} and a document's file and text: each user sees only their own, and every
 * refusal is JSON with a code.
 */
class ConversationApiTest extends ChatIntegrationTest {

    private static final String OTHER = "other-user";
    private static final String OTHER_PASSWORD = "other-password";

    @Autowired
    private UserRepository users;
    @Autowired
    private PasswordEncoder passwords;

    private String manual;
    /** The manual's bytes as uploaded (PDFBox writes a new document id each time it saves). */
    private byte[] manualBytes;

    @BeforeEach
    void aManualAndASecondUser() throws Exception {
        manualBytes = TestDocuments.manual("pump");
        manual = upload("pump-manual.pdf", manualBytes).get("id").asString();
        users.createIfAbsent(OTHER, passwords.encode(OTHER_PASSWORD), Role.MEMBER);
    }

    @Test
    void createListRenameShowAndDelete() {
        JsonNode created = json(post("/api/conversations", Map.of("documentIds", List.of(manual)))
                .expectStatus().isCreated().expectBody().returnResult().getResponseBody());
        String id = created.get("id").asString();
        assertThat(created.get("title").asString()).isEqualTo("pump-manual.pdf");
        assertThat(created.at("/documents/0/id").asString()).isEqualTo(manual);
        assertThat(created.at("/documents/0/mediaType").asString()).isEqualTo("application/pdf");
        assertThat(created.get("documentsIntact").asBoolean()).isTrue();
        assertThat(created.get("messages")).isEmpty();

        JsonNode listed = json(get("/api/conversations", ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectBody().returnResult().getResponseBody());
        assertThat(listed.findValuesAsString("id")).contains(id);

        client.patch().uri("/api/conversations/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("title", "  Pump   questions "))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.title").isEqualTo("Pump questions");
        client.patch().uri("/api/conversations/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("title", " "))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("BAD_TITLE");
        get("/api/conversations/" + id, ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectBody().jsonPath("$.title").isEqualTo("Pump questions");

        client.delete().uri("/api/conversations/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isNoContent();
        get("/api/conversations/" + id, ADMIN, ADMIN_PASSWORD).expectStatus().isNotFound()
                .expectBody().jsonPath("$.error").isEqualTo("NOT_FOUND");
    }

    @Test
    void aConversationNeedsDocumentsOfItsOwner() {
        post("/api/conversations", Map.of("documentIds", List.of())).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("NO_DOCUMENTS");
        client.post().uri("/api/conversations").headers(h -> h.setBasicAuth(OTHER, OTHER_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("documentIds", List.of(manual)))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("UNKNOWN_DOCUMENT");
    }

    @Test
    void anotherUsersConversationsAndFilesAreNotFound() {
        String id = json(post("/api/conversations", Map.of("documentIds", List.of(manual)))
                .expectStatus().isCreated().expectBody().returnResult().getResponseBody()).get("id").asString();
        get("/api/conversations/" + id, OTHER, OTHER_PASSWORD).expectStatus().isNotFound();
        client.delete().uri("/api/conversations/" + id).headers(h -> h.setBasicAuth(OTHER, OTHER_PASSWORD))
                .exchange().expectStatus().isNotFound();
        assertThat(json(get("/api/conversations", OTHER, OTHER_PASSWORD).expectStatus().isOk().expectBody()
                .returnResult().getResponseBody()).findValuesAsString("id")).doesNotContain(id);
        get("/api/documents/" + manual + "/file", OTHER, OTHER_PASSWORD).expectStatus().isNotFound();
    }

    @Test
    void aPdfOpensInlineAndItsTextHasPageMarkers() throws Exception {
        byte[] body = get("/api/documents/" + manual + "/file", ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_PDF)
                .expectHeader().value(HttpHeaders.CONTENT_DISPOSITION, d -> assertThat(d).startsWith("inline")
                        .contains("pump-manual.pdf"))
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                .expectBody().returnResult().getResponseBody();
        assertThat(body).isEqualTo(manualBytes);
        get("/api/documents/" + manual + "/file/pump-manual.pdf", ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_PDF);
        String text = get("/api/documents/" + manual + "/text", ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(text).contains("[Page 1]", "[Page 2]", "[Page 3]", "1450 rpm");

        String html = upload("page.html", "<html><body><script>alert(1)</script><p>Hello</p></body></html>"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).get("id").asString();
        get("/api/documents/" + html + "/file", ADMIN, ADMIN_PASSWORD).expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .expectHeader().value(HttpHeaders.CONTENT_DISPOSITION, d -> assertThat(d).startsWith("attachment"));
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec get(String path, String user,
            String password) {
        return client.get().uri(path).headers(h -> h.setBasicAuth(user, password)).exchange();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec post(String path, Object body) {
        return client.post().uri(path).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static JsonNode json(byte[] body) {
        return JSON.readTree(body);
    }
}
