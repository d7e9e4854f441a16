package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.chat.ChatTemplate;
import dev.lectern.engine.chat.ChatTokens;
import dev.lectern.engine.chat.ThinkingMode;

/**
 * Conversations built by appending ids: each turn's prompt starts with the previous one's prompt and answer,
 * a document's segment gives the same ids whatever follows it, and the ids read as the template renders.
 */
class ChatTokensTest {

    private static final BpeTokenizer TOKENIZER = RealQwen3Tokenizer.tokenizer();
    private static final ChatTemplate TEMPLATE = new ChatTemplate(ThinkingMode.HYBRID);
    private static final int IM_END = TOKENIZER.vocabulary().id(ChatTemplate.IM_END).orElseThrow();

    @Test
    void aSingleTurnReadsAsTheTemplateRendersIt() {
        int[] ids = new ChatTokens(TEMPLATE, TOKENIZER).system(List.of("Answer from the manual.\n\n", "Torque: 12 N·m."))
                .user("What torque?", false).ids();
        String rendered = TEMPLATE.renderForGeneration(List.of(
                ChatMessage.system("Answer from the manual.\n\nTorque: 12 N·m."), ChatMessage.user("What torque?")), false);
        assertThat(decode(ids)).isEqualTo(rendered);
    }

    @Test
    void everyTurnsPromptBeginsWithThePreviousPromptAndItsAnswerIdForId() {
        ChatTokens conversation = new ChatTokens(TEMPLATE, TOKENIZER).system(List.of("Instructions.\n\n", "Doc."));
        conversation.user("First question?", false);
        int[] firstPrompt = conversation.ids();
        int[] generated = TOKENIZER.encode("An answer with <think> inside ", false);
        conversation.answer(generated).user("Second question?", false);
        int[] secondPrompt = conversation.ids();

        assertThat(secondPrompt).startsWith(firstPrompt);
        int[] answerPart = java.util.Arrays.copyOfRange(secondPrompt, firstPrompt.length, firstPrompt.length
                + generated.length);
        assertThat(answerPart).as("the generated ids as they were, not re-tokenized").containsExactly(generated);
        assertThat(secondPrompt[firstPrompt.length + generated.length])
                .as("an answer cut off before its end marker gets one").isEqualTo(IM_END);
    }

    @Test
    void anAnswerThatEndedWithItsMarkerIsNotClosedTwice() {
        int[] generated = {TOKENIZER.encode("Yes.", false)[0], IM_END};
        ChatTokens conversation = new ChatTokens(TEMPLATE, TOKENIZER).user("Q?", false);
        int before = conversation.length();
        conversation.answer(generated);
        assertThat(conversation.idsFrom(before)).startsWith(generated)
                .hasSize(generated.length + TOKENIZER.encode("\n", false).length);
    }

    @Test
    void aDocumentSegmentHasTheSameIdsWhateverFollowsIt() {
        String instructions = "Cite pages.\n\n";
        String first = "<document title=\"Manual\">\nPress the red button.\n</document>\n\n";
        String second = "<document title=\"Report\">\n42 samples.\n</document>\n\n";
        int[] alone = new ChatTokens(TEMPLATE, TOKENIZER).system(List.of(instructions, first)).ids();
        int[] withAnother = new ChatTokens(TEMPLATE, TOKENIZER).system(List.of(instructions, first, second)).ids();
        // Everything up to the end of the first document is shared; only the end marker differs.
        int shared = alone.length - 1 - TOKENIZER.encode("\n", false).length;
        assertThat(java.util.Arrays.copyOf(withAnother, shared)).containsExactly(java.util.Arrays.copyOf(alone, shared));
    }

    private static String decode(int[] ids) {
        return new String(TOKENIZER.decode(ids), java.nio.charset.StandardCharsets.UTF_8);
    }
}
