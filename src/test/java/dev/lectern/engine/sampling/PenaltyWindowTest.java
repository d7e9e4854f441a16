package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Known answers for llama.cpp's penalty formulas. */
class PenaltyWindowTest {

    private static float[] penalize(SamplingParameters parameters, float[] logits, int... history) {
        PenaltyWindow window = new PenaltyWindow(parameters);
        for (int token : history) {
            window.add(token);
        }
        float[] out = logits.clone();
        int[] counts = new int[logits.length];
        window.apply(out, counts);
        assertThat(counts).as("the shared scratch is left zero").containsOnly(0);
        return out;
    }

    private static final SamplingParameters NONE = SamplingParameters.defaults();

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnce() {
        float[] out = penalize(NONE.withRepetitionPenalty(2.0), new float[] {2f, -2f, 3f, 0.5f, 0f}, 0, 1, 0, 4);
        // token 0 seen twice is still divided once; 2 and 3 were not seen; 0 stays 0
        assertThat(out).containsExactly(1f, -4f, 3f, 0.5f, 0f);
    }

    @Test
    void aRepetitionPenaltyBelowOneFavoursSeenTokens() {
        float[] out = penalize(NONE.withRepetitionPenalty(0.5), new float[] {2f, -2f}, 0, 1);
        assertThat(out).containsExactly(4f, -1f);
    }

    @Test
    void frequencyPenaltyScalesWithTheCountAndPresencePenaltyDoesNot() {
        float[] out = penalize(NONE.withFrequencyPenalty(0.5).withPresencePenalty(1.0),
                new float[] {2f, -2f, 3f, 0.5f}, 0, 0, 0, 2);
        // token 0: 2 - (3 * 0.5 + 1) = -0.5; token 2: 3 - (1 * 0.5 + 1) = 1.5
        assertThat(out).containsExactly(-0.5f, -2f, 1.5f, 0.5f);
    }

    @Test
    void repetitionPenaltyComesBeforeTheAdditivePenalties() {
        float[] out = penalize(NONE.withRepetitionPenalty(2.0).withFrequencyPenalty(0.5).withPresencePenalty(1.0),
                new float[] {2f, -2f}, 0, 0, 0, 1);
        // token 0: 2 / 2 - 2.5 = -1.5; token 1: -2 * 2 - 1.5 = -5.5
        assertThat(out).containsExactly(-1.5f, -5.5f);
    }

    @Test
    void negativeAdditivePenaltiesRaiseSeenTokens() {
        float[] out = penalize(NONE.withFrequencyPenalty(-1.0).withPresencePenalty(-0.5), new float[] {0f, 0f}, 1, 1);
        assertThat(out).containsExactly(0f, 2.5f);
    }

    @Test
    void onlyTheLastPenaltyLastNTokensCount() {
        float[] out = penalize(NONE.withFrequencyPenalty(1.0).withPenaltyLastN(3), new float[] {0f, 0f, 0f, 0f},
                0, 0, 1, 2, 2, 3);
        // window: 2, 2, 3
        assertThat(out).containsExactly(0f, 0f, -2f, -1f);
    }

    @Test
    void minusOneLooksAtTheWholeHistoryHoweverLong() {
        int[] history = new int[1000];
        history[0] = 1; // the rest are token 0
        float[] out = penalize(NONE.withFrequencyPenalty(0.01).withPenaltyLastN(-1), new float[] {0f, 0f}, history);
        assertThat(out[0]).isCloseTo(-9.99f, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(out[1]).isCloseTo(-0.01f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void anImpossibleTokenStaysImpossible() {
        float[] out = penalize(NONE.withRepetitionPenalty(0.5).withPresencePenalty(-2), new float[] {Float.NEGATIVE_INFINITY}, 0);
        assertThat(out[0]).isEqualTo(Float.NEGATIVE_INFINITY);
    }
}
