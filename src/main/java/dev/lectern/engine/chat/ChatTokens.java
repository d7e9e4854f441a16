package dev.lectern.engine.chat;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import dev.lectern.engine.tokenizer.BpeTokenizer;

/**
 * A conversation's prompt as token ids, built by appending: a system turn of text segments, then per
 * exchange a user turn (with the assistant's generation prompt) and the ids the model actually generated.
 * Every turn's prompt therefore begins, id for id, with the previous turn's prompt and answer, which is what
 * lets the prefix cache reuse all but the newest turn: re-rendering an answer's text and tokenizing it again
 * can give other ids (and Qwen's own template drops the think block of earlier answers), so the cache would
 * miss from that answer on.
 *
 * <p>Only the template's markers are control tokens. Each text segment is tokenized on its own, so a
 * segment's ids do not depend on what comes before or after it: a document's block gives the same ids
 * whichever documents follow it. Not thread-safe; cheap to create.
 */
public final class ChatTokens {

    private final ChatTemplate template;
    private final BpeTokenizer tokenizer;
    private final int imStart;
    private final int imEnd;
    private int[] ids = new int[256];
    private int length;

    public ChatTokens(ChatTemplate template, BpeTokenizer tokenizer) {
        this.template = Objects.requireNonNull(template, "template");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.imStart = markerId(ChatTemplate.IM_START);
        this.imEnd = markerId(ChatTemplate.IM_END);
    }

    /** A system turn whose content is {@code segments}, each tokenized on its own, in order. */
    public ChatTokens system(List<String> segments) {
        add(imStart);
        add(tokenizer.encode("system\n", false));
        for (String segment : segments) {
            add(tokenizer.encode(segment, false));
        }
        return endTurn();
    }

    /**
     * A user turn, then the assistant's generation prompt: for hybrid models with thinking off, an empty
     * think block, so the model answers at once (as {@link ChatTemplate#renderForGeneration} renders it).
     */
    public ChatTokens user(String text, boolean thinking) {
        turn("user", text);
        return generationPrompt(thinking);
    }

    /**
     * A closed turn of {@code role} ("user", "system", ...) holding plain text, with no generation prompt
     * after it: for prompts a client sends whole (two user messages in a row, a system message between
     * turns). {@code turn("user", text)} then {@link #generationPrompt} gives the ids of {@link #user}.
     */
    public ChatTokens turn(String role, String text) {
        add(imStart);
        add(tokenizer.encode(role + "\n" + text, false));
        return endTurn();
    }

    /** The assistant's generation prompt alone. */
    public ChatTokens generationPrompt(boolean thinking) {
        add(imStart);
        add(tokenizer.encode(template.generationPromptText(thinking), false));
        return this;
    }

    /**
     * The ids the model generated for the turn opened by {@link #user}; the turn is closed with
     * {@code <|im_end|>} and a newline, the end marker added if the answer stopped without it (at its token
     * limit, or cancelled).
     */
    public ChatTokens answer(int[] generated) {
        add(generated);
        if (generated.length == 0 || generated[generated.length - 1] != imEnd) {
            add(imEnd);
        }
        add(tokenizer.encode("\n", false));
        return this;
    }

    /** Ids exactly as given (a turn stored earlier by the caller). */
    public ChatTokens append(int[] stored) {
        add(stored);
        return this;
    }

    public int length() {
        return length;
    }

    public int[] ids() {
        return Arrays.copyOf(ids, length);
    }

    /** The ids from {@code from} on: what the last calls added (to store with a message). */
    public int[] idsFrom(int from) {
        return Arrays.copyOfRange(ids, from, length);
    }

    private ChatTokens endTurn() {
        add(imEnd);
        add(tokenizer.encode("\n", false));
        return this;
    }

    private int markerId(String marker) {
        return tokenizer.vocabulary().id(marker).orElseThrow(() -> new IllegalArgumentException(
                "the model's vocabulary has no " + marker + " token; is this a Qwen3 model?"));
    }

    private void add(int id) {
        add(new int[] {id});
    }

    private void add(int[] more) {
        if (length + more.length > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(length + more.length, 2 * ids.length));
        }
        System.arraycopy(more, 0, ids, length, more.length);
        length += more.length;
    }
}
