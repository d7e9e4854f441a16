package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private static int[] draws(Sampler sampler, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.sample(logits);
        }
        return out;
    }

    private static float[] randomLogits(long seed, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[size];
        for (int i = 0; i < size; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        return logits;
    }

    @Test
    void greedyPicksTheHighestLogit() {
        Sampler sampler = new Sampler(SamplingParameters.greedy(), 5);
        assertThat(sampler.sample(new float[] {0.1f, -3f, 7.5f, 7.4f, 2f})).isEqualTo(2);
    }

    @Test
    void greedyPicksTheLowestIdAmongEqualHighestLogits() {
        Sampler sampler = new Sampler(SamplingParameters.greedy(), 6);
        assertThat(sampler.sample(new float[] {1f, 4f, 2f, 4f, 4f, 0f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {-0.0f, 0.0f, -1f, NEG_INF, NEG_INF, NEG_INF})).isZero();
    }

    @Test
    void greedyDoesNotDependOnTheSeed() {
        float[] logits = randomLogits(3, 1000);
        int a = new Sampler(SamplingParameters.greedy().withSeed(1), 1000).sample(logits);
        int b = new Sampler(SamplingParameters.greedy().withSeed(2), 1000).sample(logits);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void theSameSeedRepeatsTheSameDraws() {
        float[] logits = randomLogits(1, 64);
        SamplingParameters parameters = SamplingParameters.defaults().withoutFilters().withTemperature(1.0).withSeed(42);
        assertThat(draws(new Sampler(parameters, 64), logits, 200))
                .containsExactly(draws(new Sampler(parameters, 64), logits, 200));
    }

    @Test
    void differentSeedsGiveDifferentDraws() {
        float[] logits = randomLogits(1, 64);
        SamplingParameters parameters = SamplingParameters.defaults().withoutFilters().withTemperature(1.0);
        int[] first = draws(new Sampler(parameters.withSeed(1), 64), logits, 200);
        int[] second = draws(new Sampler(parameters.withSeed(2), 64), logits, 200);
        assertThat(first).isNotEqualTo(second);
        assertThat(Arrays.stream(first).distinct().count()).as("the draws vary at all").isGreaterThan(10);
    }

    @Test
    void withoutASeedOneIsDrawnAndReportedSoTheRunCanBeRepeated() {
        float[] logits = randomLogits(5, 64);
        Sampler unseeded = new Sampler(SamplingParameters.defaults().withoutFilters(), 64);
        assertThat(unseeded.parameters().seed()).hasValue(unseeded.seed());
        int[] original = draws(unseeded, logits, 100);
        int[] replay = draws(new Sampler(unseeded.parameters(), 64), logits, 100);
        assertThat(replay).containsExactly(original);
    }

    /**
     * 20,000 draws over 8 tokens against softmax(logits / T), by Pearson's chi-square with 7 degrees of
     * freedom. The seed is fixed, so the test is deterministic; the bound is the 0.999 quantile (24.32),
     * which a correct sampler stays under for 999 seeds in 1000. The same draws are also scored against
     * the distribution a sampler that ignored the temperature would produce, to show the test can fail.
     */
    @Test
    void drawsFollowSoftmaxOfLogitsOverTemperature() {
        float[] logits = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, 0.9f};
        double temperature = 0.7;
        int n = 20_000;
        Sampler sampler = new Sampler(SamplingParameters.defaults().withoutFilters()
                .withTemperature(temperature).withSeed(20250101L), logits.length);
        long[] observed = new long[logits.length];
        for (int i = 0; i < n; i++) {
            observed[sampler.sample(logits)]++;
        }
        assertThat(chiSquare(observed, softmax(logits, temperature), n)).isLessThan(24.32);
        assertThat(chiSquare(observed, softmax(logits, 1.0), n)).as("a temperature-blind sampler is caught")
                .isGreaterThan(100);
    }

    @Test
    void filteredDrawsFollowTheRenormalizedSoftmaxOfTheSurvivors() {
        // probabilities 0.4, 0.25, 0.2, 0.1, 0.05 at T = 1; top-p 0.8 keeps ids 0..2 (0.4+0.25+0.2 = 0.85).
        float[] logits = new float[5];
        double[] p = {0.4, 0.25, 0.2, 0.1, 0.05};
        for (int i = 0; i < 5; i++) {
            logits[i] = (float) Math.log(p[i]);
        }
        int n = 20_000;
        Sampler sampler = new Sampler(SamplingParameters.defaults().withTopK(0).withTopP(0.8)
                .withTemperature(1.0).withSeed(99), 5);
        long[] observed = new long[5];
        for (int i = 0; i < n; i++) {
            observed[sampler.sample(logits)]++;
        }
        assertThat(observed[3]).isZero();
        assertThat(observed[4]).isZero();
        double[] expected = {0.4 / 0.85, 0.25 / 0.85, 0.2 / 0.85};
        // 2 degrees of freedom: 0.999 quantile 13.82.
        assertThat(chiSquare(Arrays.copyOf(observed, 3), expected, n)).isLessThan(13.82);
    }

    @Test
    void temperatureIsAppliedAfterTopPSoItDoesNotChangeWhichTokensSurvive() {
        // At T = 1 top-p 0.8 keeps ids 0..2 of 0.4, 0.25, 0.2, 0.1, 0.05; a high temperature flattens the
        // draw among those three but must not let ids 3 and 4 back in.
        float[] logits = new float[5];
        double[] p = {0.4, 0.25, 0.2, 0.1, 0.05};
        for (int i = 0; i < 5; i++) {
            logits[i] = (float) Math.log(p[i]);
        }
        Sampler sampler = new Sampler(SamplingParameters.defaults().withTopK(0).withTopP(0.8)
                .withTemperature(50.0).withSeed(5), 5);
        int[] drawn = draws(sampler, logits, 3000);
        assertThat(drawn).doesNotContain(3, 4).contains(0, 1, 2);
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    private static double chiSquare(long[] observed, double[] expectedProbabilities, int n) {
        double sum = 0;
        for (int i = 0; i < observed.length; i++) {
            double expected = expectedProbabilities[i] * n;
            sum += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return sum;
    }

    @Test
    void topKOfOneIsGreedy() {
        for (long seed = 0; seed < 20; seed++) {
            float[] logits = randomLogits(seed, 2000);
            logits[(int) (seed * 97 % 2000)] = 10f; // ...and a tie at the top: the lower id must win
            logits[(int) (seed * 89 % 2000 + 1) % 2000] = 10f;
            Sampler topOne = new Sampler(SamplingParameters.defaults().withTopK(1).withTemperature(1.5).withSeed(seed), 2000);
            Sampler greedy = new Sampler(SamplingParameters.greedy(), 2000);
            assertThat(topOne.sample(logits)).isEqualTo(greedy.sample(logits));
        }
    }

    @Test
    void onlyTheTopKTokensAreEverDrawn() {
        float[] logits = {0f, 5f, 1f, 4f, 2f, 3f};
        Sampler sampler = new Sampler(SamplingParameters.defaults().withTopK(2).withTopP(1.0)
                .withTemperature(100.0).withSeed(3), 6);
        assertThat(draws(sampler, logits, 2000)).containsOnly(1, 3);
    }

    @Test
    void minPRemovesUnlikelyTokensFromTheDraw() {
        // p = 0.5, 0.3, 0.15, 0.05: min-p 0.2 drops only the 0.05 token (id 3), even at a high temperature.
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        Sampler sampler = new Sampler(SamplingParameters.defaults().withTopK(0).withTopP(1.0).withMinP(0.2)
                .withTemperature(20.0).withSeed(8), 4);
        assertThat(draws(sampler, logits, 3000)).containsOnly(0, 1, 2);
    }

    @Test
    void aSingleFiniteLogitIsAlwaysChosen() {
        float[] logits = {NEG_INF, NEG_INF, -50f, NEG_INF};
        Sampler sampler = new Sampler(SamplingParameters.defaults().withTemperature(2.0).withSeed(1), 4);
        assertThat(draws(sampler, logits, 100)).containsOnly(2);
        assertThat(new Sampler(SamplingParameters.greedy(), 4).sample(logits)).isEqualTo(2);
    }

    @Test
    void aNanLogitIsRejectedNamingItsPosition() {
        float[] logits = randomLogits(1, 100);
        logits[37] = Float.NaN;
        for (SamplingParameters parameters : new SamplingParameters[] {SamplingParameters.greedy(), SamplingParameters.defaults()}) {
            assertThatThrownBy(() -> new Sampler(parameters, 100).sample(logits))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("token 37")
                    .hasMessageContaining("NaN")
                    .hasMessageContaining("kernel bug");
        }
    }

    @Test
    void aPositiveInfiniteLogitIsRejectedLikeNan() {
        float[] logits = randomLogits(1, 10);
        logits[4] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> new Sampler(SamplingParameters.defaults(), 10).sample(logits))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("token 4 is Infinity");
    }

    @Test
    void allLogitsNegativeInfinityIsRejected() {
        float[] logits = new float[8];
        Arrays.fill(logits, NEG_INF);
        assertThatThrownBy(() -> new Sampler(SamplingParameters.defaults(), 8).sample(logits))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("-infinity");
        assertThatThrownBy(() -> new Sampler(SamplingParameters.greedy(), 8).sample(logits))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("-infinity");
    }

    @Test
    void tooFewLogitsForTheVocabularyAreRejected() {
        assertThatThrownBy(() -> new Sampler(SamplingParameters.greedy(), 10).sample(new float[9]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 10");
    }

    @Test
    void aRowOfABatchIsSampledFromItsOffset() {
        float[] batch = {9f, 0f, 0f, /* row 1: */ 0f, 0f, 9f};
        Sampler sampler = new Sampler(SamplingParameters.greedy(), 3);
        assertThat(sampler.sample(batch, 0)).isZero();
        assertThat(sampler.sample(batch, 3)).isEqualTo(2);
    }

    @Test
    void theCallersLogitsAreLeftUnchanged() {
        float[] logits = randomLogits(2, 500);
        float[] copy = logits.clone();
        Sampler sampler = new Sampler(SamplingParameters.defaults().withRepetitionPenalty(1.3).withPresencePenalty(1)
                .withSeed(1), 500);
        sampler.observe(new int[] {1, 2, 3, 4});
        draws(sampler, logits, 10);
        assertThat(logits).containsExactly(copy);
    }

    @Test
    void aContextTokenOutsideTheVocabularyIsRejected() {
        Sampler sampler = new Sampler(SamplingParameters.greedy(), 10);
        assertThatThrownBy(() -> sampler.observe(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 10").hasMessageContaining("[0, 10)");
    }

    @Test
    void repetitionPenaltyOnAPromptTokenChangesTheGreedyChoice() {
        // 5 / 1.1 = 4.55 < 4.9
        Sampler sampler = new Sampler(SamplingParameters.greedy().withRepetitionPenalty(1.1), 2);
        sampler.observe(0);
        assertThat(sampler.sample(new float[] {5f, 4.9f})).isEqualTo(1);
    }

    @Test
    void sampledTokensCountForLaterPenaltiesWithinTheWindow() {
        float[] logits = {5f, 4.8f};
        // Whole history: 0 (nothing seen), 1 (0 seen: 4.55 < 4.8), 0 (both seen: 4.55 > 4.36), ...
        Sampler wholeWindow = new Sampler(SamplingParameters.greedy().withRepetitionPenalty(1.1).withPenaltyLastN(-1), 2);
        assertThat(draws(wholeWindow, logits, 3)).containsExactly(0, 1, 0);
        // A window of one forgets all but the last token, so the choice alternates.
        Sampler lastOne = new Sampler(SamplingParameters.greedy().withRepetitionPenalty(1.1).withPenaltyLastN(1), 2);
        assertThat(draws(lastOne, logits, 5)).containsExactly(0, 1, 0, 1, 0);
    }

    @Test
    void penaltiesLookBackOnlyPenaltyLastNTokensUnlessItIsMinusOne() {
        int[] context = new int[100];
        Arrays.fill(context, 1);
        context[0] = 0; // token 0 only at the very start of the context
        float[] logits = {5f, -10f, 4.9f};
        Sampler windowed = new Sampler(SamplingParameters.greedy().withRepetitionPenalty(1.1).withPenaltyLastN(64), 3);
        windowed.observe(context);
        assertThat(windowed.sample(logits)).as("token 0 fell out of the last 64").isZero();
        Sampler whole = new Sampler(SamplingParameters.greedy().withRepetitionPenalty(1.1).withPenaltyLastN(-1), 3);
        whole.observe(context);
        assertThat(whole.sample(logits)).as("the whole context still holds token 0").isEqualTo(2);
    }
}
