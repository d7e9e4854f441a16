package dev.lectern.engine.sampling;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How one sequence chooses its tokens and when it ends. Every value is checked here, once, so a sampler
 * never meets a nonsensical setting in its hot loop; a bad value fails with a message naming the
 * parameter, the value and the allowed range, fit to be shown to an API client as is.
 *
 * <p>The filters run in llama.cpp's order: penalties, top-k, top-p, min-p, then temperature. Top-p and
 * min-p therefore judge the distribution <em>before</em> temperature, as llama.cpp does, so the same
 * settings keep the same candidates whatever the temperature.
 *
 * @param temperature       divides the logits before the draw; 0 means greedy (argmax). At least 0.
 * @param topK              keeps the k most likely tokens; 0 turns it off. At least 0.
 * @param topP              keeps the smallest set of most likely tokens whose probability reaches p;
 *                          1 turns it off. In (0, 1].
 * @param minP              drops tokens less likely than {@code minP} times the most likely one;
 *                          0 turns it off. In [0, 1).
 * @param repetitionPenalty divides the positive logits and multiplies the negative logits of tokens seen
 *                          in the last {@code penaltyLastN} tokens; 1 turns it off. Greater than 0.
 * @param presencePenalty   subtracted once from the logit of every token seen; 0 turns it off. Finite.
 * @param frequencyPenalty  subtracted from the logit of a seen token once per time it was seen; 0 turns
 *                          it off. Finite.
 * @param penaltyLastN      how many of the latest tokens the penalties look at; 0 turns the penalties off,
 *                          -1 means the whole context. At least -1.
 * @param seed              the random seed; empty means one drawn from {@link java.security.SecureRandom}
 *                          when the sampler is made, which the sampler then reports so the run can be
 *                          repeated
 * @param maxTokens         the most tokens to generate. At least 1.
 * @param stopStrings       generation ends when the decoded text contains one of these; the text shown
 *                          stops before it. At most {@value #MAX_STOP_STRINGS}, each 1 to
 *                          {@value #MAX_STOP_STRING_LENGTH} characters.
 */
public record SamplingParameters(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        int penaltyLastN,
        OptionalLong seed,
        int maxTokens,
        List<String> stopStrings) {

    public static final int MAX_STOP_STRINGS = 16;
    /** Bounds the text held back while it might still become a stop string. */
    public static final int MAX_STOP_STRING_LENGTH = 256;
    /** Beyond this size a penalty is no longer a nudge; OpenAI's API uses the same range. */
    public static final double MAX_ADDITIVE_PENALTY = 2.0;
    /** llama.cpp's default window for the penalties. */
    public static final int DEFAULT_PENALTY_LAST_N = 64;
    public static final int DEFAULT_MAX_TOKENS = 2048;

    public SamplingParameters {
        Objects.requireNonNull(seed, "seed: use OptionalLong.empty() for a random seed");
        Objects.requireNonNull(stopStrings, "stopStrings: use an empty list for none");
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw invalid("temperature", temperature, "a finite number >= 0 (0 means greedy)");
        }
        if (topK < 0) {
            throw invalid("topK", topK, ">= 0 (0 turns top-k off)");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw invalid("topP", topP, "0 < topP <= 1 (1 turns top-p off)");
        }
        if (!(minP >= 0 && minP < 1)) {
            throw invalid("minP", minP, "0 <= minP < 1 (0 turns min-p off)");
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw invalid("repetitionPenalty", repetitionPenalty, "a finite number > 0 (1 turns it off)");
        }
        if (!(Math.abs(presencePenalty) <= MAX_ADDITIVE_PENALTY)) {
            throw invalid("presencePenalty", presencePenalty, "-2 to 2 (0 turns it off)");
        }
        if (!(Math.abs(frequencyPenalty) <= MAX_ADDITIVE_PENALTY)) {
            throw invalid("frequencyPenalty", frequencyPenalty, "-2 to 2 (0 turns it off)");
        }
        if (penaltyLastN < -1) {
            throw invalid("penaltyLastN", penaltyLastN, ">= 0, or -1 for the whole context (0 turns penalties off)");
        }
        if (maxTokens < 1) {
            throw invalid("maxTokens", maxTokens, ">= 1");
        }
        if (stopStrings.size() > MAX_STOP_STRINGS) {
            throw new IllegalArgumentException("stopStrings has " + stopStrings.size()
                    + " entries; at most " + MAX_STOP_STRINGS + " are allowed");
        }
        for (int i = 0; i < stopStrings.size(); i++) {
            String stop = stopStrings.get(i);
            if (stop == null || stop.isEmpty() || stop.length() > MAX_STOP_STRING_LENGTH) {
                throw new IllegalArgumentException("stopStrings[" + i + "] is "
                        + (stop == null ? "null" : "\"" + stop + "\" (" + stop.length() + " characters)")
                        + "; each stop string must have 1 to " + MAX_STOP_STRING_LENGTH + " characters");
            }
        }
        stopStrings = List.copyOf(stopStrings);
    }

    /**
     * Qwen3's recommended settings for answering without thinking (the Qwen3 model cards, "Best
     * Practices": temperature 0.7, top-p 0.8, top-k 20, min-p 0), no penalties, a random seed.
     */
    public static SamplingParameters defaults() {
        return new SamplingParameters(0.7, 20, 0.8, 0.0, 1.0, 0.0, 0.0, DEFAULT_PENALTY_LAST_N,
                OptionalLong.empty(), DEFAULT_MAX_TOKENS, List.of());
    }

    /**
     * Qwen3's recommended settings for thinking mode (same model cards: temperature 0.6, top-p 0.95,
     * top-k 20, min-p 0). The cards warn that greedy decoding makes thinking models loop.
     */
    public static SamplingParameters thinking() {
        return defaults().withTemperature(0.6).withTopP(0.95);
    }

    /** Always the most likely token: reproducible without a seed, and what parity tests compare. */
    public static SamplingParameters greedy() {
        return new SamplingParameters(0.0, 0, 1.0, 0.0, 1.0, 0.0, 0.0, DEFAULT_PENALTY_LAST_N,
                OptionalLong.of(0), DEFAULT_MAX_TOKENS, List.of());
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** Whether any penalty changes a logit; if not the sampler need not track the tokens seen. */
    public boolean hasPenalties() {
        return penaltyLastN != 0 && (repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0);
    }

    public SamplingParameters withTemperature(double value) {
        return new SamplingParameters(value, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withTopK(int value) {
        return new SamplingParameters(temperature, value, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withTopP(double value) {
        return new SamplingParameters(temperature, topK, value, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withMinP(double value) {
        return new SamplingParameters(temperature, topK, topP, value, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    /** Removes every filter: the draw follows softmax(logits / temperature) over the whole vocabulary. */
    public SamplingParameters withoutFilters() {
        return withTopK(0).withTopP(1.0).withMinP(0.0);
    }

    public SamplingParameters withRepetitionPenalty(double value) {
        return new SamplingParameters(temperature, topK, topP, minP, value, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withPresencePenalty(double value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, value,
                frequencyPenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withFrequencyPenalty(double value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                value, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withPenaltyLastN(int value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, value, seed, maxTokens, stopStrings);
    }

    public SamplingParameters withSeed(long value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, OptionalLong.of(value), maxTokens, stopStrings);
    }

    public SamplingParameters withRandomSeed() {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, OptionalLong.empty(), maxTokens, stopStrings);
    }

    public SamplingParameters withMaxTokens(int value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, value, stopStrings);
    }

    public SamplingParameters withStopStrings(List<String> value) {
        return new SamplingParameters(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, penaltyLastN, seed, maxTokens, value);
    }

    private static IllegalArgumentException invalid(String name, double value, String allowed) {
        return new IllegalArgumentException(name + " is " + value + "; allowed: " + allowed);
    }

    private static IllegalArgumentException invalid(String name, int value, String allowed) {
        return new IllegalArgumentException(name + " is " + value + "; allowed: " + allowed);
    }
}
