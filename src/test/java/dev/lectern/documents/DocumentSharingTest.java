package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.lectern.LecternIntegrationTest;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;

/**
 * A document is its owner's until shared: then every member reads it (list, text, file) but only the
 * owner may delete it or stop sharing it; once unshared, it is "not found" to the others again.
 */
class DocumentSharingTest extends LecternIntegrationTest {

    private static final String OWNER = "sharer";
    private static final String OTHER = "reader-of-shared";
    private static final String PASSWORD = "a long enough password";

    @Autowired
    private UserRepository users;

    @Autowired
    private PasswordEncoder encoder;

    private WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
        users.createIfAbsent(OWNER, encoder.encode(PASSWORD), Role.MEMBER);
        users.createIfAbsent(OTHER, encoder.encode(PASSWORD), Role.MEMBER);
    }

    @Test
    void aSharedDocumentIsReadByEveryoneAndChangedOnlyByItsOwner() {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("file", new ByteArrayResource("Calibration steps for the shared centrifuge.".getBytes()))
                .filename("centrifuge.txt");
        String id = client.post().uri("/api/documents").headers(h -> h.setBasicAuth(OWNER, PASSWORD))
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectStatus().isCreated()
                .expectBody(DocumentResponse.class).returnResult().getResponseBody().id().toString();

        get(OTHER, "/api/documents/" + id).expectStatus().isNotFound();
        assertThat(listOf(OTHER)).doesNotContain(id);

        share(OTHER, id, true).expectStatus().isNotFound();
        share(OWNER, id, true).expectStatus().isOk().expectBody()
                .jsonPath("$.shared").isEqualTo(true).jsonPath("$.owner").isEqualTo(OWNER);

        assertThat(listOf(OTHER)).contains(id);
        get(OTHER, "/api/documents/" + id).expectStatus().isOk().expectBody().jsonPath("$.owner").isEqualTo(OWNER);
        get(OTHER, "/api/documents/" + id + "/file").expectStatus().isOk();
        share(OTHER, id, false).expectStatus().isForbidden().expectBody()
                .jsonPath("$.error").isEqualTo("NOT_OWNER")
                .jsonPath("$.message").value(String.class, m -> assertThat(m).contains("shared by " + OWNER));
        client.delete().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(OTHER, PASSWORD)).exchange()
                .expectStatus().isForbidden();

        share(OWNER, id, false).expectStatus().isOk().expectBody().jsonPath("$.shared").isEqualTo(false);
        get(OTHER, "/api/documents/" + id).expectStatus().isNotFound();
        get(OTHER, "/api/documents/" + id + "/file").expectStatus().isNotFound();
        get(OWNER, "/api/documents/" + id).expectStatus().isOk();
    }

    private WebTestClient.ResponseSpec get(String user, String path) {
        return client.get().uri(path).headers(h -> h.setBasicAuth(user, PASSWORD)).exchange();
    }

    private String listOf(String user) {
        return new String(get(user, "/api/documents").expectStatus().isOk().expectBody().returnResult().getResponseBody());
    }

    private WebTestClient.ResponseSpec share(String user, String id, boolean shared) {
        return client.patch().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(user, PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("shared", shared)).exchange();
    }
}
