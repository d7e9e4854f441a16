package dev.lectern.api.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.lectern.engine.chat.ChatTokens;

/**
 * A chat completion's messages as token ids, in the same layout the chat builds, so the prefix cache serves
 * API requests as it serves the chat:
 * <ul>
 * <li>With {@code documents}, the system turn starts with the chat's own segments (instructions, then each
 * document's block in the canonical order): the document's encoded prefix is reused as it is. The client's
 * leading system messages follow inside the same turn, after the documents, so they change only its end.
 * <li>Without, the client's leading system messages are the system turn, as the model's template has it.
 * <li>Each user message is a turn of its own, followed by the assistant's generation prompt when an answer
 * follows; an earlier answer is its text re-tokenized. A client that resends a conversation (Open WebUI
 * with the whole document in a message) therefore sends the same ids up to its newest answer, and the
 * engine's automatic prefix cache starts from them from the second question on.
 * </ul>
 */
final class OpenAiPrompt {

    private OpenAiPrompt() {
    }

    /**
     * @param documentSegments the chat's system segments for the attached documents, or null without documents
     * @param encodeText       plain text to ids (for earlier answers)
     */
    static int[] build(ChatTokens tokens, List<String> documentSegments, List<ChatCompletionRequest.Message> messages,
            Function<String, int[]> encodeText) {
        int first = 0;
        List<String> systemTexts = new ArrayList<>();
        while (first < messages.size() && isSystem(messages.get(first))) {
            systemTexts.add(messages.get(first).text());
            first++;
        }
        List<String> segments = new ArrayList<>();
        if (documentSegments != null) {
            segments.addAll(documentSegments);
        }
        if (!systemTexts.isEmpty()) {
            segments.add(String.join("\n\n", systemTexts));
        }
        if (!segments.isEmpty()) {
            tokens.system(segments);
        }
        boolean answerOpen = false;
        for (int i = first; i < messages.size(); i++) {
            ChatCompletionRequest.Message message = messages.get(i);
            boolean last = i == messages.size() - 1;
            if (message.role().equals("assistant")) {
                if (!answerOpen) {
                    tokens.generationPrompt(false);
                }
                tokens.answer(encodeText.apply(message.text()));
                answerOpen = false;
            } else {
                tokens.turn(isSystem(message) ? "system" : "user", message.text());
                boolean answerNext = !last && messages.get(i + 1).role().equals("assistant");
                answerOpen = answerNext;
                if (answerNext) {
                    tokens.generationPrompt(false);
                }
            }
        }
        // The last message is never an answer (the request is refused otherwise): the model's turn comes now.
        tokens.generationPrompt(false);
        return tokens.ids();
    }

    private static boolean isSystem(ChatCompletionRequest.Message message) {
        return message.role().equals("system") || message.role().equals("developer");
    }
}
