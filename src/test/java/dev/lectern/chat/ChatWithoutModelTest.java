package dev.lectern.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.lectern.LecternIntegrationTest;
import tools.jackson.databind.JsonNode;

/** Without a model the chat page still works and says how to set one; asking is refused with that message. */
class ChatWithoutModelTest extends LecternIntegrationTest {

    @Test
    void askingSaysHowToConfigureAModelAndTheSocketGoesOn() throws Exception {
        try (ChatClient chat = ChatClient.connect(port, ChatClient.basic(ADMIN, ADMIN_PASSWORD))) {
            chat.ask(null, List.of(UUID.randomUUID().toString()), "Hello?", 16);
            JsonNode refused = chat.next(Duration.ofSeconds(30));
            assertThat(refused.get("type").asString()).isEqualTo("error");
            assertThat(refused.get("code").asString()).isEqualTo("MODEL_NOT_LOADED");
            assertThat(refused.get("message").asString()).contains("LECTERN_MODEL_PATH");
            chat.sendRaw("nonsense");
            assertThat(chat.next(Duration.ofSeconds(30)).get("code").asString()).isEqualTo("BAD_MESSAGE");
        }
    }

    @Test
    void theChatPageTellsAFirstTimeUserHowToSetAModel() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30))
                .build();
        String session = dev.lectern.web.FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD).sessionCookie();
        String page = client.get().uri("/").cookie("SESSION", session).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(page).contains("data-engine-state=\"NOT_CONFIGURED\"", "LECTERN_MODEL_PATH", "/js/chat/main.js",
                "name=\"csrf-token\"");
    }
}
