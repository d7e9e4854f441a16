package dev.lectern.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.lectern.engine.chat.ChatTemplate;
import dev.lectern.engine.tokenizer.Vocabulary;

/**
 * Decides after each generated token whether the sequence ends, and which of its text the user may see
 * yet. A generator loop, with a {@code StreamingDecoder} for the same sequence:
 *
 * <pre>{@code
 * StopCondition stop = StopCondition.of(parameters, StopCondition.chatStopTokenIds(vocabulary));
 * FinishReason reason = null;
 * while (reason == null) {
 *     int token = sampler.sample(logits);
 *     reason = stop.accept(token, stop.isStopToken(token) ? "" : decoder.accept(token));
 *     send(stop.takeText());                     // possibly "": a stop string may be starting
 *     ...                                         // forward pass for the next logits, or cancel()
 * }
 * }</pre>
 *
 * Stop strings are matched on decoded text, so they may span tokens ("END" arriving as "EN" then "D").
 * Text that could still be the beginning of a stop string is held back until the next token settles it;
 * when a stop string appears, the user sees the text before it and never the stop string. One per
 * sequence; not thread-safe.
 */
public final class StopCondition {

    private final int[] stopTokenIds;
    private final List<String> stopStrings;
    private final int maxTokens;
    /** Decoded text not yet taken by the caller: a safe part, then a held-back part. */
    private final StringBuilder pending = new StringBuilder();
    private int safeLength;
    private int generatedTokens;
    private FinishReason finishReason;

    /**
     * @param stopTokenIds ids that end generation when sampled; their text is never shown
     * @param stopStrings  texts that end generation; at most the limits of {@link SamplingParameters}
     * @param maxTokens    the most tokens to generate, at least 1
     */
    public StopCondition(Set<Integer> stopTokenIds, List<String> stopStrings, int maxTokens) {
        // Validation of the strings and the limit lives in one place: the parameters record.
        SamplingParameters checked = SamplingParameters.greedy().withStopStrings(stopStrings).withMaxTokens(maxTokens);
        this.stopTokenIds = stopTokenIds.stream().mapToInt(Integer::intValue).sorted().toArray();
        this.stopStrings = checked.stopStrings();
        this.maxTokens = checked.maxTokens();
    }

    /** The stop strings and token limit of a request, with the model's stop tokens. */
    public static StopCondition of(SamplingParameters parameters, Set<Integer> stopTokenIds) {
        return new StopCondition(stopTokenIds, parameters.stopStrings(), parameters.maxTokens());
    }

    /**
     * The ids of the chat template's stop tokens ({@link ChatTemplate#STOP_TOKENS}) in this vocabulary, and
     * every token llama.cpp ends generation at ({@link Vocabulary#endOfGeneration()}: in Qwen3 files also
     * {@code </s>} and the fill-in-the-middle pad, repository and file-separator tokens).
     *
     * @throws IllegalArgumentException if the vocabulary has none of them: generation could never end
     *                                  but by its token limit, which is a wrong model, not a setting
     */
    public static Set<Integer> chatStopTokenIds(Vocabulary vocabulary) {
        List<Integer> ids = new ArrayList<>();
        for (String token : ChatTemplate.STOP_TOKENS) {
            vocabulary.id(token).ifPresent(ids::add);
        }
        ids.addAll(vocabulary.endOfGeneration());
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary has none of the stop tokens " + ChatTemplate.STOP_TOKENS
                    + "; is this a Qwen3 model?");
        }
        return Set.copyOf(ids);
    }

    public boolean isStopToken(int token) {
        for (int id : stopTokenIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records one generated token and the text it decoded to (pass "" for a stop token: its text is not
     * part of the answer).
     *
     * @return why generation ends now, or null if it goes on
     * @throws IllegalStateException if generation already ended
     */
    public FinishReason accept(int token, String text) {
        if (finishReason != null) {
            throw new IllegalStateException("generation already ended (" + finishReason + "); no token may follow");
        }
        generatedTokens++;
        if (isStopToken(token)) {
            return finish(FinishReason.STOP_TOKEN);
        }
        // A stop string cannot begin in text already declared safe: that text had no suffix that starts one.
        int searchFrom = safeLength;
        pending.append(text);
        int stopAt = earliestStopString(searchFrom);
        if (stopAt >= 0) {
            pending.setLength(stopAt);
            return finish(FinishReason.STOP_STRING);
        }
        if (generatedTokens >= maxTokens) {
            return finish(FinishReason.MAX_TOKENS);
        }
        safeLength = pending.length() - longestStopPrefixAtEnd(searchFrom);
        return null;
    }

    /** Ends generation at the client's request; text held back for a stop string that never came is released. */
    public void cancel() {
        if (finishReason == null) {
            finish(FinishReason.CANCELLED);
        }
    }

    /** How many characters of the pending text may be shown now. */
    public int safeLength() {
        return safeLength;
    }

    /** Takes the text that may be shown now: all of it once generation has ended. */
    public String takeText() {
        String text = pending.substring(0, safeLength);
        pending.delete(0, safeLength);
        safeLength = 0;
        return text;
    }

    /** Null while generation goes on. */
    public FinishReason finishReason() {
        return finishReason;
    }

    public int generatedTokens() {
        return generatedTokens;
    }

    private FinishReason finish(FinishReason reason) {
        finishReason = reason;
        safeLength = pending.length();
        return reason;
    }

    /** Start of the earliest stop string in the pending text at or after {@code from}, or -1. */
    private int earliestStopString(int from) {
        int earliest = -1;
        for (String stop : stopStrings) {
            int at = pending.indexOf(stop, from);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        return earliest;
    }

    /** The length of the longest end of the pending text (after {@code from}) that begins a stop string. */
    private int longestStopPrefixAtEnd(int from) {
        int end = pending.length();
        int longest = 0;
        for (String stop : stopStrings) {
            for (int length = Math.min(stop.length() - 1, end - from); length > longest; length--) {
                if (endsWith(stop, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    private boolean endsWith(String stop, int prefixLength) {
        int offset = pending.length() - prefixLength;
        for (int i = 0; i < prefixLength; i++) {
            if (pending.charAt(offset + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
