package dev.lectern.chat;

import static dev.lectern.chat.ChatClient.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.lectern.inference.InferenceService;
import tools.jackson.databind.JsonNode;

/**
 * The chat socket end to end against the tiny model: the protocol's messages in order, what is saved, the
 * prompt of a follow-up, cancelling, bad messages, who may connect, many sockets at once, and a page that
 * closes or reloads mid-answer.
 */
class ChatWebSocketTest extends ChatIntegrationTest {

    private static final Duration ANSWER = Duration.ofMinutes(2);

    @Autowired
    private InferenceService inference;
    @Autowired
    private RunningAnswers running;

    private String manual;

    @BeforeEach
    void aManual() throws Exception {
        JsonNode document = upload("pump-manual.pdf", TestDocuments.manual("pump"));
        assertThat(document.get("status").asString()).as("encoded by the loaded model").isEqualTo("ready");
        manual = document.get("id").asString();
    }

    @Test
    void anAnswerStreamsAsAcceptedProgressTokensAndDoneWithStatisticsAndIsSaved() throws Exception {
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(manual), "What torque do the M8 bolts need?", 24);
            List<JsonNode> messages = chat.until(type("done"), ANSWER);

            JsonNode accepted = messages.getFirst();
            assertThat(accepted.get("type").asString()).isEqualTo("accepted");
            String requestId = accepted.get("requestId").asString();
            assertThat(requestId).isNotBlank();
            assertThat(accepted.get("queuePosition").asInt()).isZero();
            UUID conversation = UUID.fromString(accepted.get("conversationId").asString());
            long answerId = accepted.get("messageId").asLong();

            List<String> types = messages.stream().map(m -> m.get("type").asString()).toList();
            assertThat(types).contains("progress", "token");
            assertThat(types.indexOf("progress")).isLessThan(types.indexOf("token"));
            assertThat(messages).allSatisfy(m -> assertThat(m.get("requestId").asString()).isEqualTo(requestId));
            JsonNode lastProgress = messages.get(types.lastIndexOf("progress"));
            assertThat(lastProgress.get("stage").asString()).isEqualTo("encoding");
            assertThat(lastProgress.get("done").asInt()).isEqualTo(lastProgress.get("total").asInt());

            JsonNode done = messages.getLast();
            assertThat(done.get("finishReason").asString()).isIn("stop", "length");
            JsonNode stats = done.get("stats");
            assertThat(stats.get("promptTokens").asInt()).isEqualTo(lastProgress.get("total").asInt());
            assertThat(stats.get("cachedTokens").asInt()).isBetween(0, stats.get("promptTokens").asInt());
            assertThat(stats.get("completionTokens").asInt()).isBetween(1, 24);
            assertThat(stats.get("timeToFirstTokenMs").asLong()).isNotNegative();
            assertThat(stats.has("decodeTokensPerSecond")).isTrue();

            List<StoredMessage> stored = storedMessages(conversation);
            assertThat(stored).hasSize(2);
            StoredMessage question = stored.getFirst();
            assertThat(question.role()).isEqualTo("user");
            assertThat(question.content()).isEqualTo("What torque do the M8 bolts need?");
            assertThat(question.status()).isEqualTo("complete");
            assertThat(question.tokenIds()).isNotEmpty();
            StoredMessage answer = stored.getLast();
            assertThat(answer.id()).isEqualTo(answerId);
            assertThat(answer.role()).isEqualTo("assistant");
            assertThat(answer.status()).isEqualTo("complete");
            assertThat(answer.content()).isEqualTo(ChatClient.text(messages));
            assertThat(answer.tokenIds()).hasSize(stats.get("completionTokens").asInt());
            assertThat(answer.promptTokens()).isEqualTo(stats.get("promptTokens").asInt());
            assertThat(answer.completionTokens()).isEqualTo(stats.get("completionTokens").asInt());
        }
    }

    @Test
    void aFollowUpsPromptIsThePreviousPromptAndAnswerThenTheNewQuestion() throws Exception {
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(manual), "How fast does the pump run?", 16);
            List<JsonNode> first = chat.until(type("done"), ANSWER);
            String conversation = first.getFirst().get("conversationId").asString();
            chat.ask(conversation, List.of(), "And how often is it serviced?", 16);
            List<JsonNode> second = chat.until(type("done"), ANSWER);
            assertThat(second.getFirst().get("conversationId").asString()).isEqualTo(conversation);

            List<StoredMessage> stored = storedMessages(UUID.fromString(conversation));
            assertThat(stored).extracting(StoredMessage::role).containsExactly("user", "assistant", "user", "assistant");
            int firstPrompt = first.getLast().at("/stats/promptTokens").asInt();
            int[] firstAnswer = stored.get(1).tokenIds();
            int[] secondQuestion = stored.get(2).tokenIds();
            int closedAnswer = inference.chatTokens().answer(firstAnswer).length();
            assertThat(second.getLast().at("/stats/promptTokens").asInt())
                    .as("documents + first question + first answer as generated + the new question, nothing re-tokenized")
                    .isEqualTo(firstPrompt + closedAnswer + secondQuestion.length);
        }
    }

    @Test
    void cancellingMidAnswerSavesItCancelledAndGivesItsMemoryBack() throws Exception {
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(manual), "Write a very long essay about the pump.", 3000);
            List<JsonNode> start = chat.until(m -> m.path("type").asString().equals("token")
                    && chat.all().stream().filter(type("token")).count() >= 3, ANSWER);
            String requestId = start.getFirst().get("requestId").asString();
            long answerId = start.getFirst().get("messageId").asLong();
            chat.send(Map.of("type", "cancel", "requestId", requestId));
            List<JsonNode> rest = chat.until(type("done"), ANSWER);
            assertThat(rest.getLast().get("finishReason").asString()).isEqualTo("cancelled");
            int generated = rest.getLast().at("/stats/completionTokens").asInt();
            assertThat(generated).isLessThan(2500);

            StoredMessage answer = storedMessage(answerId);
            assertThat(answer.status()).isEqualTo("cancelled");
            assertThat(answer.error()).as("stopped by its reader: no reason to show").isNull();
            List<JsonNode> all = new ArrayList<>(start);
            all.addAll(rest);
            assertThat(answer.content()).isEqualTo(ChatClient.text(all));
            JsonNode engine = engineIdle();
            assertThat(engine.at("/scheduler/running").asInt()).isZero();
            assertThat(blocksBeyondPins(engine)).isZero();

            chat.send(Map.of("type", "cancel", "requestId", requestId));
            JsonNode late = chat.next(ANSWER);
            assertThat(late.get("code").asString()).isEqualTo("NOT_RUNNING");
        }
    }

    @Test
    void badMessagesGetAnErrorAndTheSocketGoesOn() throws Exception {
        try (ChatClient chat = connect()) {
            chat.sendRaw("{not json");
            JsonNode malformed = chat.next(ANSWER);
            assertThat(malformed.get("type").asString()).isEqualTo("error");
            assertThat(malformed.get("code").asString()).isEqualTo("BAD_MESSAGE");
            assertThat(malformed.get("message").asString()).contains("not valid JSON");
            assertThat(malformed.has("requestId")).isFalse();

            chat.sendRaw("[1, 2]");
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("BAD_MESSAGE");
            chat.send(Map.of("type", "shout"));
            assertThat(chat.next(ANSWER).get("message").asString()).contains("Unknown message type \"shout\"");
            chat.send(Map.of("type", "ask", "documentIds", List.of("not-an-id"), "text", "hi"));
            assertThat(chat.next(ANSWER).get("message").asString()).contains("documentIds");
            chat.send(Map.of("type", "ask", "documentIds", List.of(manual), "text", "hi",
                    "params", Map.of("temperature", -1)));
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("BAD_PARAMS");
            chat.sendRaw("{\"type\":\"ask\",\"text\":\"" + "x".repeat(300 * 1024) + "\"}");
            JsonNode tooLarge = chat.next(ANSWER);
            assertThat(tooLarge.get("code").asString()).isEqualTo("TOO_LARGE");
            assertThat(tooLarge.get("message").asString()).contains("lectern.chat.max-message-size");

            chat.ask(null, List.of(manual), "Still there?", 4);
            assertThat(chat.until(type("done"), ANSWER).getFirst().get("type").asString()).isEqualTo("accepted");
        }
    }

    @Test
    void refusedQuestionsSayWhyAndStoreNothing() throws Exception {
        int conversationsBefore = conversationCount();
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(), "Anything?", 4);
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("NO_DOCUMENTS");
            chat.ask(null, List.of(UUID.randomUUID().toString()), "Anything?", 4);
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("UNKNOWN_DOCUMENT");
            chat.ask(null, List.of(manual), "   ", 4);
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("EMPTY_QUESTION");
            chat.ask(UUID.randomUUID().toString(), List.of(), "Anything?", 4);
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("NOT_FOUND");

            String longQuestion = beyondContext("Explain the torque table once more in great detail. ");
            chat.ask(null, List.of(manual), longQuestion, 256);
            JsonNode full = chat.next(ANSWER);
            assertThat(full.get("code").asString()).isEqualTo("CONTEXT_FULL");
            assertThat(full.get("message").asString()).contains("tokens over", "context of 16,384 tokens");

            JsonNode tooLong = upload("long-notes.txt", beyondContext("The notes record that the pump ran normally that morning. ")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(tooLong.get("status").asString()).isEqualTo("too_long");
            chat.ask(null, List.of(tooLong.get("id").asString()), "Summarize the log.", 16);
            JsonNode notReady = chat.next(ANSWER);
            assertThat(notReady.get("code").asString()).isEqualTo("DOCUMENT_NOT_READY");
            assertThat(notReady.get("message").asString()).contains("long-notes.txt", "too long", "tokens over");
        }
        assertThat(conversationCount()).as("nothing stored for refused questions").isEqualTo(conversationsBefore);
    }

    @Test
    void aConversationKeepsItsDocumentsAndAnswersOneQuestionAtATime() throws Exception {
        JsonNode other = upload("other-manual.pdf", TestDocuments.manual("fan"));
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(manual), "Write a very long essay about the pump.", 3000);
            JsonNode accepted = chat.next(ANSWER);
            String conversation = accepted.get("conversationId").asString();
            chat.ask(conversation, List.of(), "Another question meanwhile?", 8);
            JsonNode busy = chat.until(m -> type("error").test(m), ANSWER).getLast();
            assertThat(busy.get("code").asString()).isEqualTo("BUSY");
            assertThat(busy.get("conversationId").asString()).isEqualTo(conversation);
            chat.send(Map.of("type", "cancel", "requestId", accepted.get("requestId").asString()));
            chat.until(type("done"), ANSWER);

            chat.ask(conversation, List.of(other.get("id").asString()), "About the fan?", 8);
            assertThat(chat.next(ANSWER).get("code").asString()).isEqualTo("DOCUMENTS_FIXED");
        }
    }

    @Test
    void onlySignedInUsersOfThisSitesPagesMayConnect() {
        assertThatThrownBy(() -> ChatClient.connect(port, Map.of()))
                .isInstanceOfSatisfying(ChatClient.Refused.class, refused -> assertThat(refused.status).isEqualTo(401));
        assertThatThrownBy(() -> ChatClient.connect(port, ChatClient.basic(ADMIN, "wrong")))
                .isInstanceOfSatisfying(ChatClient.Refused.class, refused -> assertThat(refused.status).isEqualTo(401));
        Map<String, String> foreign = new HashMap<>(ChatClient.basic(ADMIN, ADMIN_PASSWORD));
        foreign.put("Origin", "http://evil.example");
        assertThatThrownBy(() -> ChatClient.connect(port, foreign))
                .isInstanceOfSatisfying(ChatClient.Refused.class, refused -> assertThat(refused.status).isEqualTo(403));
        Map<String, String> ownPage = new HashMap<>(ChatClient.basic(ADMIN, ADMIN_PASSWORD));
        ownPage.put("Origin", "http://localhost:" + port);
        ChatClient.connect(port, ownPage).close();
    }

    @Test
    void theBrowsersSessionOpensTheSocketFromOurOwnPageButNotFromAnother() throws Exception {
        String session = dev.lectern.web.FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD).sessionCookie();
        Map<String, String> page = new LinkedHashMap<>();
        page.put("Cookie", "SESSION=" + session);
        page.put("Origin", "http://localhost:" + port);
        try (ChatClient chat = ChatClient.connect(port, page)) {
            chat.ask(null, List.of(manual), "Who am I?", 4);
            assertThat(chat.until(type("done"), ANSWER).getFirst().get("type").asString()).isEqualTo("accepted");
        }
        page.put("Origin", "http://localhost.evil.example:" + port);
        assertThatThrownBy(() -> ChatClient.connect(port, page))
                .isInstanceOfSatisfying(ChatClient.Refused.class, refused -> assertThat(refused.status).isEqualTo(403));
    }

    /**
     * Sixteen sockets ask at once while four more ask for long answers and vanish after the first token,
     * like killed tabs: the sixteen get their own whole answers, the four are cancelled after the grace,
     * and afterwards no answer, request or KV block is left behind.
     */
    @Test
    void sixteenSocketsAskingAtOnceAllGetTheirOwnWholeAnswerWhileOthersVanish() throws Exception {
        int sockets = 16;
        int vanishing = 4;
        ExecutorService pool = Executors.newFixedThreadPool(sockets + vanishing);
        List<ChatClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                clients.add(connect());
            }
            List<Future<Long>> abandoned = new ArrayList<>();
            for (int i = 0; i < vanishing; i++) {
                ChatClient chat = connect();
                String question = "Write a very long essay number " + i + " about the pump.";
                abandoned.add(pool.submit(() -> {
                    chat.ask(null, List.of(manual), question, 3000);
                    List<JsonNode> start = chat.until(type("token"), Duration.ofMinutes(3));
                    chat.abort();
                    return start.getFirst().get("messageId").asLong();
                }));
            }
            List<Future<List<JsonNode>>> answers = new ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                ChatClient chat = clients.get(i);
                String question = "Question number " + i + " about the pump?";
                answers.add(pool.submit(() -> {
                    chat.ask(null, List.of(manual), question, 24);
                    return chat.until(type("done"), Duration.ofMinutes(3));
                }));
            }
            for (int i = 0; i < sockets; i++) {
                List<JsonNode> messages = answers.get(i).get(4, java.util.concurrent.TimeUnit.MINUTES);
                String requestId = messages.getFirst().get("requestId").asString();
                assertThat(clients.get(i).all()).as("socket %d saw only its own request", i)
                        .allSatisfy(m -> assertThat(m.get("requestId").asString()).isEqualTo(requestId));
                StoredMessage saved = storedMessage(messages.getFirst().get("messageId").asLong());
                assertThat(saved.status()).isEqualTo("complete");
                assertThat(ChatClient.text(messages)).as("socket %d's tokens, in order, are its saved answer", i)
                        .isEqualTo(saved.content());
                assertThat(saved.tokenIds()).hasSize(messages.getLast().at("/stats/completionTokens").asInt());
            }
            assertThat(messagesOfAllRequests(answers)).as("sixteen different requests").hasSize(sockets);
            for (Future<Long> gone : abandoned) {
                StoredMessage answer = awaitFinal(gone.get(4, java.util.concurrent.TimeUnit.MINUTES));
                assertThat(answer.status()).isEqualTo("cancelled");
                assertThat(answer.error()).isEqualTo(RunningAnswer.NOBODY_READING);
            }
        } finally {
            clients.forEach(ChatClient::close);
            pool.shutdownNow();
        }
        for (int attempt = 0; attempt < 200 && running.size() > 0; attempt++) {
            Thread.sleep(50);
        }
        assertThat(running.size()).as("no answer left in the registry").isZero();
        JsonNode engine = engineIdle();
        assertThat(engine.at("/scheduler/running").asInt()).isZero();
        assertThat(blocksBeyondPins(engine)).isZero();
    }

    private static java.util.Set<String> messagesOfAllRequests(List<Future<List<JsonNode>>> answers) throws Exception {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Future<List<JsonNode>> answer : answers) {
            ids.add(answer.get().getFirst().get("requestId").asString());
        }
        return ids;
    }

    @Test
    void aClosedSocketsAnswerIsCancelledAfterTheGraceAndItsMemoryGivenBack() throws Exception {
        // Random weights may end an answer by themselves before the grace is over; ask again then.
        StoredMessage answer = null;
        for (int attempt = 0; attempt < 5 && (answer == null || !answer.status().equals("cancelled")); attempt++) {
            ChatClient chat = connect();
            chat.ask(null, List.of(manual), "Write a very long essay number " + attempt + " about the pump.", CONTEXT - 1024);
            List<JsonNode> start = chat.until(type("token"), ANSWER);
            chat.abort();
            answer = awaitFinal(start.getFirst().get("messageId").asLong());
        }
        assertThat(answer.status()).isEqualTo("cancelled");
        assertThat(answer.error()).isEqualTo(RunningAnswer.NOBODY_READING);
        assertThat(answer.completionTokens()).isLessThan(CONTEXT - 2048);
        JsonNode engine = engineIdle();
        assertThat(engine.at("/scheduler/running").asInt()).isZero();
        assertThat(blocksBeyondPins(engine)).isZero();
    }

    @Test
    void aReloadedPageFollowsTheAnswerThatWentOnMeanwhile() throws Exception {
        ChatClient first = connect();
        first.ask(null, List.of(manual), "Write a very long essay about the pump.", CONTEXT / 2);
        List<JsonNode> before = first.until(type("token"), ANSWER);
        String requestId = before.getFirst().get("requestId").asString();
        long answerId = before.getFirst().get("messageId").asLong();
        String conversation = before.getFirst().get("conversationId").asString();
        first.close();

        byte[] shown = client.get().uri("/api/conversations/" + conversation)
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseBody();
        JsonNode streaming = JSON.readTree(shown).get("messages").get(1);
        assertThat(streaming.get("status").asString()).isEqualTo("streaming");
        assertThat(streaming.get("requestId").asString()).isEqualTo(requestId);

        try (ChatClient reloaded = connect()) {
            reloaded.send(Map.of("type", "watch", "requestId", requestId));
            List<JsonNode> after = reloaded.until(type("done"), ANSWER);
            assertThat(after.getFirst().get("type").asString()).isEqualTo("accepted");
            assertThat(after.getFirst().get("messageId").asLong()).isEqualTo(answerId);
            assertThat(after.getLast().get("finishReason").asString()).isIn("stop", "length");
            StoredMessage saved = storedMessage(answerId);
            assertThat(saved.status()).isEqualTo("complete");
            assertThat(ChatClient.text(after)).as("the text so far, then the rest").isEqualTo(saved.content());
        }
    }

    /** The stored answer once it is no longer streaming (the grace is 2 s; this waits up to 10). */
    private StoredMessage awaitFinal(long answerId) throws InterruptedException {
        StoredMessage answer = storedMessage(answerId);
        for (int attempt = 0; attempt < 200 && answer.status().equals("streaming"); attempt++) {
            Thread.sleep(50);
            answer = storedMessage(answerId);
        }
        return answer;
    }

    private int conversationCount() {
        return jdbc.sql("SELECT count(*) FROM conversations").query(Integer.class).single();
    }
}
