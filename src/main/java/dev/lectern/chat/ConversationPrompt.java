package dev.lectern.chat;

import java.text.NumberFormat;
import java.util.List;
import java.util.Locale;

import dev.lectern.conversations.Message;
import dev.lectern.conversations.MessageRole;
import dev.lectern.conversations.MessageStatus;
import dev.lectern.documents.PromptBuilder;
import dev.lectern.engine.chat.ChatTokens;

/**
 * The prompt of a new question in a conversation, built from token ids and only by appending: the system
 * turn of instructions and documents, then every earlier exchange as its stored ids (the user turn as it
 * was sent, the answer as it was generated), then the new question. Each question's prompt therefore
 * begins, id for id, with the previous question's prompt and answer, and the engine's prefix cache reuses
 * all of it. An exchange whose answer failed (no ids) is left out, with its question.
 *
 * @param ids           the whole prompt
 * @param userTurnIds   the new question's turn, to store with it
 * @param systemTokens  the instructions and documents
 * @param historyTokens the earlier exchanges
 */
record ConversationPrompt(int[] ids, int[] userTurnIds, int systemTokens, int historyTokens) {

    static ConversationPrompt build(ChatTokens tokens, List<String> systemSegments, List<Message> earlier,
            String question) {
        tokens.system(systemSegments);
        int systemTokens = tokens.length();
        Message pendingQuestion = null;
        for (Message message : earlier) {
            if (message.role() == MessageRole.USER) {
                pendingQuestion = message;
            } else if (pendingQuestion != null && message.tokenIds() != null && pendingQuestion.tokenIds() != null
                    && (message.status() == MessageStatus.COMPLETE || message.status() == MessageStatus.CANCELLED)) {
                tokens.append(pendingQuestion.tokenIds());
                tokens.answer(message.tokenIds());
                pendingQuestion = null;
            } else {
                pendingQuestion = null;
            }
        }
        int historyTokens = tokens.length() - systemTokens;
        int before = tokens.length();
        tokens.user(question, false);
        return new ConversationPrompt(tokens.ids(), tokens.idsFrom(before), systemTokens, historyTokens);
    }

    int questionTokens() {
        return userTurnIds.length;
    }

    /**
     * Null when the prompt and {@code answerTokens} fit in {@code contextLength}; otherwise what does not fit,
     * by how much, and what to do, in words for the person asking.
     */
    String misfit(int answerTokens, int contextLength) {
        long needed = (long) ids.length + answerTokens;
        if (needed <= contextLength) {
            return null;
        }
        NumberFormat n = NumberFormat.getIntegerInstance(Locale.ROOT);
        String advice = historyTokens > 0
                ? " Start a new conversation about these documents (its earlier turns are then left out), or ask"
                + " a shorter question."
                : " Ask about fewer documents, or a shorter question; the documents may need a longer context"
                + " (lectern.model.context-length).";
        return "This does not fit in the model's context of " + n.format(contextLength) + " tokens: the documents take "
                + n.format(systemTokens) + ", earlier turns " + n.format(historyTokens) + ", the question "
                + n.format(questionTokens()) + ", and " + n.format(answerTokens) + " are kept for the answer: "
                + n.format(needed - contextLength) + " tokens over." + advice;
    }
}
