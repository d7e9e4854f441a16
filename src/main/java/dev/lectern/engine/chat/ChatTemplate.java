package dev.lectern.engine.chat;

import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.tokenizer.BpeTokenizer;

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
        StringBuilder prompt = new StringBuilder();
        writeForGeneration(messages, enableThinking, new TextSink(prompt));
        return prompt.toString();
    }

    /**
     * The token ids of {@link #renderForGeneration}, with only the template's own markers as control tokens:
     * the messages' text (a user's question, a document, an earlier answer) is tokenized with special-token
     * parsing off, so an {@code <|im_end|>} written in a document stays plain characters and cannot end the
     * turn or forge another. For text without such markers the ids equal those of the rendered string
     * tokenized with parsing on, since both split at the markers and tokenize the text between them alone.
     */
    public int[] encodeForGeneration(List<ChatMessage> messages, boolean enableThinking, BpeTokenizer tokenizer) {
        TokenSink tokens = new TokenSink(tokenizer);
        writeForGeneration(messages, enableThinking, tokens);
        return tokens.finish();
    }

    /** The token ids of {@link #render}, built as {@link #encodeForGeneration} builds them. */
    public int[] encode(List<ChatMessage> messages, BpeTokenizer tokenizer) {
        TokenSink tokens = new TokenSink(tokenizer);
        write(messages, tokens);
        return tokens.finish();
    }

    /**
     * Renders the turns as they stand, without a generation prompt. Reasoning of assistant turns that
     * came before the last user question is dropped, as Qwen's templates do: the model sees only its
     * earlier answers, not its earlier thoughts.
     */
    public String render(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder();
        write(messages, new TextSink(out));
        return out.toString();
    }

    private void writeForGeneration(List<ChatMessage> messages, boolean enableThinking, PromptSink out) {
        write(messages, out);
        out.marker(IM_START);
        out.text(generationPromptText(enableThinking));
    }

    /**
     * What follows {@code <|im_start|>} when the assistant is to answer: the role, and per thinking mode an
     * empty think block (hybrid models, thinking off) or an open one (the 2507 Thinking models).
     */
    public String generationPromptText(boolean enableThinking) {
        return "assistant\n" + switch (thinkingMode) {
            case HYBRID -> enableThinking ? "" : EMPTY_THINK_BLOCK;
            case ALWAYS -> THINK_OPEN + "\n";
            case NEVER -> "";
        };
    }

    private void write(List<ChatMessage> messages, PromptSink out) {
        int lastQuestion = lastUserIndex(messages);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            out.marker(IM_START);
            StringBuilder turn = new StringBuilder(message.role().chatMlName()).append('\n');
            if (message.role() == ChatRole.ASSISTANT) {
                appendAssistantTurn(turn, message.content(), i > lastQuestion, i == messages.size() - 1);
            } else {
                turn.append(message.content());
            }
            out.text(turn.toString());
            out.marker(IM_END);
            out.text("\n");
        }
    }

    /** Where a rendered prompt goes: the template's control markers apart from everything else. */
    private interface PromptSink {
        void marker(String controlToken);

        void text(String text);
    }

    private record TextSink(StringBuilder out) implements PromptSink {
        @Override
        public void marker(String controlToken) {
            out.append(controlToken);
        }

        @Override
        public void text(String text) {
            out.append(text);
        }
    }

    /** Collects ids: a marker by its vocabulary id, the text between markers tokenized as one piece. */
    private static final class TokenSink implements PromptSink {
        private final BpeTokenizer tokenizer;
        private final StringBuilder pending = new StringBuilder();
        private int[] ids = new int[64];
        private int count;

        TokenSink(BpeTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public void marker(String controlToken) {
            flush();
            int id = tokenizer.vocabulary().id(controlToken).orElseThrow(() -> new IllegalArgumentException(
                    "the model's vocabulary has no " + controlToken + " token; is this a Qwen3 model?"));
            add(new int[] {id});
        }

        @Override
        public void text(String text) {
            pending.append(text);
        }

        int[] finish() {
            flush();
            return Arrays.copyOf(ids, count);
        }

        private void flush() {
            if (!pending.isEmpty()) {
                add(tokenizer.encode(pending.toString(), false));
                pending.setLength(0);
            }
        }

        private void add(int[] more) {
            if (count + more.length > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(count + more.length, 2 * ids.length));
            }
            System.arraycopy(more, 0, ids, count, more.length);
            count += more.length;
        }
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
