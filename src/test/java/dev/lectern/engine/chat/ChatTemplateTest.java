package dev.lectern.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Expected strings are written out by hand from Qwen's Jinja templates (the hybrid Qwen3 one and the
 * 2507 ones), rendering the same messages with transformers' apply_chat_template semantics.
 */
class ChatTemplateTest {

    /** The parts of the real templates the detection looks at, as they appear in the Jinja source. */
    private static final String HYBRID_JINJA = """
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
                {%- if enable_thinking is defined and enable_thinking is false %}
                    {{- '<think>\\n\\n</think>\\n\\n' }}
                {%- endif %}
            {%- endif %}""";
    private static final String THINKING_2507_JINJA = """
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n<think>\\n' }}
            {%- endif %}""";
    private static final String INSTRUCT_2507_JINJA = """
            {%- if '</think>' in content %}{%- set content = content.split('</think>')[-1] %}{%- endif %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}""";

    @Test
    void detectsTheThinkingModeFromTheGgufTemplate() {
        assertThat(ChatTemplate.fromJinja(HYBRID_JINJA).thinkingMode()).isEqualTo(ThinkingMode.HYBRID);
        assertThat(ChatTemplate.fromJinja(THINKING_2507_JINJA).thinkingMode()).isEqualTo(ThinkingMode.ALWAYS);
        assertThat(ChatTemplate.fromJinja(INSTRUCT_2507_JINJA).thinkingMode()).isEqualTo(ThinkingMode.NEVER);
        assertThat(ChatTemplate.fromJinja(null).thinkingMode()).isEqualTo(ThinkingMode.HYBRID);
    }

    @Test
    void hybridModelWithThinkingOffGetsAnEmptyThinkBlock() {
        String prompt = new ChatTemplate(ThinkingMode.HYBRID).renderForGeneration(
                List.of(ChatMessage.system("Answer from the documents."), ChatMessage.user("What is on p. 3?")),
                false);
        assertThat(prompt).isEqualTo("""
                <|im_start|>system
                Answer from the documents.<|im_end|>
                <|im_start|>user
                What is on p. 3?<|im_end|>
                <|im_start|>assistant
                <think>

                </think>

                """);
    }

    @Test
    void hybridModelWithThinkingOnIsLeftToOpenItsOwnThinkBlock() {
        String prompt = new ChatTemplate(ThinkingMode.HYBRID)
                .renderForGeneration(List.of(ChatMessage.user("Hi")), true);
        assertThat(prompt).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void instruct2507NeverThinksWhateverTheCallerAsks() {
        ChatTemplate template = new ChatTemplate(ThinkingMode.NEVER);
        String expected = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
        assertThat(template.renderForGeneration(List.of(ChatMessage.user("Hi")), false)).isEqualTo(expected);
        assertThat(template.renderForGeneration(List.of(ChatMessage.user("Hi")), true)).isEqualTo(expected);
    }

    @Test
    void thinking2507OpensTheThinkBlockItself() {
        assertThat(new ChatTemplate(ThinkingMode.ALWAYS).renderForGeneration(List.of(ChatMessage.user("Hi")), false))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
    }

    @Test
    void earlierAnswersKeepTheirTextButLoseTheirReasoning() {
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Q1"),
                ChatMessage.assistant("<think>\nLet me look.\n</think>\n\nA1"),
                ChatMessage.user("Q2"));
        assertThat(new ChatTemplate(ThinkingMode.HYBRID).renderForGeneration(conversation, true)).isEqualTo("""
                <|im_start|>user
                Q1<|im_end|>
                <|im_start|>assistant
                A1<|im_end|>
                <|im_start|>user
                Q2<|im_end|>
                <|im_start|>assistant
                """);
    }

    @Test
    void aFinalAssistantTurnAfterTheLastQuestionKeepsItsThinkBlock() {
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Q"),
                ChatMessage.assistant("<think>\n\nweighing\n\n</think>\n\n\nanswer"));
        assertThat(new ChatTemplate(ThinkingMode.HYBRID).render(conversation)).isEqualTo("""
                <|im_start|>user
                Q<|im_end|>
                <|im_start|>assistant
                <think>
                weighing
                </think>

                answer<|im_end|>
                """);
    }

    @Test
    void sameMessagesAlwaysRenderTheSamePrefix() {
        List<ChatMessage> turns = List.of(ChatMessage.system("S"), ChatMessage.user("U"));
        ChatTemplate template = new ChatTemplate(ThinkingMode.HYBRID);
        assertThat(template.renderForGeneration(turns, false)).isEqualTo(template.renderForGeneration(turns, false))
                .startsWith(template.render(turns));
    }

    @Test
    void stopsAtTheEndOfATurnOrOfTheText() {
        assertThat(ChatTemplate.STOP_TOKENS).containsExactly("<|im_end|>", "<|endoftext|>");
    }
}
