package dev.lectern.engine.chat;

import java.util.List;

/**
 * Qwen3's ChatML prompt format, rendered in Java rather than by a Jinja engine. It follows the
 * templates Qwen ships (hybrid Qwen3 and the 2507 Instruct/Thinking variants) for conversations
 * without tools:
 *
 * <pre>
 * &lt;|im_start|&gt;system\n{system}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n            (generation prompt; then per thinking mode, see below)
 * </pre>
 *
 * The same messages always render to the same text, so the same token prefix: the prefix cache relies
 * on that.
 */
public final class ChatTemplate {

    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** Generation ends at either token: {@code <|im_end|>} closes a turn, {@code <|endoftext|>} a document. */
    public static final List<String> STOP_TOKENS = List.of(IM_END, END_OF_TEXT);

    static final String EMPTY_THINK_BLOCK = "<think>\n\n</think>\n\n";
    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";

    private final ThinkingMode thinkingMode;

    public ChatTemplate(ThinkingMode thinkingMode) {
        this.thinkingMode = thinkingMode;
    }

    /**
     * Reads the thinking mode from the Jinja chat template stored in a GGUF file
     * ({@code tokenizer.chat_template}). Hybrid templates test {@code enable_thinking}; the 2507
     * Thinking template opens {@code <think>} in its generation prompt; any other Qwen ChatML template
     * (2507 Instruct) never thinks. A file without a template is taken as a hybrid Qwen3.
     */
    public static ChatTemplate fromJinja(String jinjaTemplate) {
        if (jinjaTemplate == null || jinjaTemplate.isBlank() || jinjaTemplate.contains("enable_thinking")) {
            return new ChatTemplate(ThinkingMode.HYBRID);
        }
        // In the Jinja source the newline is the two characters '\' 'n' inside a string literal.
        if (jinjaTemplate.contains(IM_START + "assistant\\n" + THINK_OPEN)) {
            return new ChatTemplate(ThinkingMode.ALWAYS);
        }
        return new ChatTemplate(ThinkingMode.NEVER);
    }

    public ThinkingMode thinkingMode() {
        return thinkingMode;
    }

    /**
     * Renders a conversation ready for the model to answer (the generation prompt appended).
     *
     * @param enableThinking for hybrid models only: false appends an empty think block so the model
     *                       answers at once; the 2507 models ignore it, as their templates do
     */
    public String renderForGeneration(List<ChatMessage> messages, boolean enableThinking) {
        StringBuilder prompt = new StringBuilder(render(messages));
        prompt.append(IM_START).append("assistant\n");
        switch (thinkingMode) {
            case HYBRID -> {
                if (!enableThinking) {
                    prompt.append(EMPTY_THINK_BLOCK);
                }
            }
            case ALWAYS -> prompt.append(THINK_OPEN).append('\n');
            case NEVER -> {
            }
        }
        return prompt.toString();
    }

    /**
     * Renders the turns as they stand, without a generation prompt. Reasoning of assistant turns that
     * came before the last user question is dropped, as Qwen's templates do: the model sees only its
     * earlier answers, not its earlier thoughts.
     */
    public String render(List<ChatMessage> messages) {
        int lastQuestion = lastUserIndex(messages);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            out.append(IM_START).append(message.role().chatMlName()).append('\n');
            if (message.role() == ChatRole.ASSISTANT) {
                appendAssistantTurn(out, message.content(), i > lastQuestion, i == messages.size() - 1);
            } else {
                out.append(message.content());
            }
            out.append(IM_END).append('\n');
        }
        return out.toString();
    }

    private static void appendAssistantTurn(StringBuilder out, String content, boolean afterLastQuestion,
                                            boolean lastMessage) {
        String answer = content;
        String reasoning = "";
        int close = content.lastIndexOf(THINK_CLOSE);
        if (close >= 0) {
            String beforeClose = stripTrailingNewlines(content.substring(0, content.indexOf(THINK_CLOSE)));
            int open = beforeClose.lastIndexOf(THINK_OPEN);
            reasoning = stripLeadingNewlines(open >= 0 ? beforeClose.substring(open + THINK_OPEN.length()) : beforeClose);
            answer = stripLeadingNewlines(content.substring(close + THINK_CLOSE.length()));
        }
        if (afterLastQuestion && (lastMessage || !reasoning.isEmpty())) {
            out.append(THINK_OPEN).append('\n')
                    .append(stripTrailingNewlines(stripLeadingNewlines(reasoning)))
                    .append('\n').append(THINK_CLOSE).append("\n\n")
                    .append(stripLeadingNewlines(answer));
        } else {
            out.append(answer);
        }
    }

    private static int lastUserIndex(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatRole.USER) {
                return i;
            }
        }
        return messages.size() - 1;
    }

    private static String stripLeadingNewlines(String text) {
        int start = 0;
        while (start < text.length() && text.charAt(start) == '\n') {
            start++;
        }
        return text.substring(start);
    }

    private static String stripTrailingNewlines(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\n') {
            end--;
        }
        return text.substring(0, end);
    }
}
