package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The filters one by one, on hand-made distributions with known answers. */
class SamplingWorkspaceTest {

    /** Probabilities 0.05, 0.5, 0.15, 0.3 for ids 0..3: sorted order is 1, 3, 2, 0; cumulative 0.5, 0.8, 0.95, 1. */
    private static final float[] FOUR = logitsOf(0.05, 0.5, 0.15, 0.3);

    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    private static SamplingWorkspace loaded(float[] logits) {
        SamplingWorkspace workspace = new SamplingWorkspace(logits.length);
        workspace.load(logits, 0);
        workspace.dropImpossible();
        return workspace;
    }

    @Test
    void topPKeepsExactlyTheSmallestMostLikelySetReachingP() {
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.topP(0.79);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(1, 3);

        workspace = loaded(FOUR);
        workspace.topP(0.81);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(1, 3, 2);

        workspace = loaded(FOUR);
        workspace.topP(0.96);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(1, 3, 2, 0);
    }

    @Test
    void topPKeepsTheMostLikelyTokenEvenWhenItAloneExceedsP() {
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.topP(0.01);
        assertThat(workspace.candidateIds()).containsExactly(1);
    }

    @Test
    void topPOfOneKeepsEveryCandidate() {
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.topP(1.0);
        assertThat(workspace.count()).isEqualTo(4);
    }

    @Test
    void topPAfterTopKNormalizesOverTheKLeft() {
        // Top-2 leaves 0.5 and 0.3, renormalized 0.625 and 0.375: p = 0.6 keeps only the first.
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.topK(2);
        workspace.topP(0.6);
        assertThat(workspace.candidateIds()).containsExactly(1);
    }

    @Test
    void topPOverTheWholeVocabularyMatchesASortOfEveryToken() {
        // The workspace buckets the tokens by logit and orders only the bucket where p is crossed; a plain
        // sort of all 151,936 tokens must give the same nucleus. Spreads of 3 (a trained model's peaky
        // logits, roughly) and 0.02 (a random-weight test model's flat ones), plus a long -infinity tail.
        int vocabulary = 151_936;
        for (double spread : new double[] {3.0, 0.02}) {
            SplittableRandom random = new SplittableRandom(7);
            float[] logits = new float[vocabulary];
            for (int i = 0; i < vocabulary; i++) {
                logits[i] = i % 10 == 9 ? -1e30f : (float) (random.nextGaussian() * spread);
            }
            for (double p : new double[] {0.5, 0.9, 0.999}) {
                SamplingWorkspace workspace = loaded(logits);
                workspace.topP(p);
                int[] kept = workspace.candidateIds();
                int[] expected = referenceNucleus(logits, p);
                Arrays.sort(kept); // the nucleus is a set; sorting first avoids AssertJ's quadratic any-order match
                Arrays.sort(expected);
                assertThat(kept).as("spread %s, p = %s", spread, p).isEqualTo(expected);
            }
        }
    }

    @Test
    void topPAmongEqualLogitsKeepsTheLowestIds() {
        SamplingWorkspace workspace = loaded(new float[10]);
        workspace.topP(0.45);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    private static int[] referenceNucleus(float[] logits, double p) {
        double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
        double total = IntStream.range(0, logits.length).mapToDouble(i -> Math.exp(logits[i] - max)).sum();
        int[] order = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        double cumulative = 0;
        for (int i = 0; i < order.length; i++) {
            cumulative += Math.exp(logits[order[i]] - max) / total;
            if (cumulative >= p) {
                return Arrays.copyOf(order, i + 1);
            }
        }
        return order;
    }

    @Test
    void minPDropsTokensLessLikelyThanMinPTimesTheMostLikely() {
        // p_max = 0.5: minP 0.2 cuts at 0.1 (drops 0.05); minP 0.35 cuts at 0.175 (drops 0.15 too).
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.minP(0.2);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(1, 2, 3);

        workspace = loaded(FOUR);
        workspace.minP(0.35);
        assertThat(workspace.candidateIds()).containsExactlyInAnyOrder(1, 3);

        workspace = loaded(FOUR);
        workspace.minP(0.99);
        assertThat(workspace.candidateIds()).containsExactly(1);
    }

    @Test
    void topKKeepsTheKHighestSortedAndLowerIdsWinTiesAtTheBorder() {
        float[] logits = {1f, 3f, 2f, 3f, 2f, 0f, 2f};
        SamplingWorkspace workspace = loaded(logits);
        workspace.topK(4);
        assertThat(workspace.candidateIds()).containsExactly(1, 3, 2, 4);
    }

    @Test
    void topKLargerThanTheCandidatesKeepsThemAll() {
        SamplingWorkspace workspace = loaded(FOUR);
        workspace.topK(10);
        assertThat(workspace.count()).isEqualTo(4);
    }

    @Test
    void topKOverManyRandomLogitsMatchesAFullSort() {
        SplittableRandom random = new SplittableRandom(11);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.floor(random.nextGaussian() * 20) / 4; // coarse values: many ties
        }
        int[] expected = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                .limit(40).mapToInt(Integer::intValue).toArray();
        SamplingWorkspace workspace = loaded(logits);
        workspace.topK(40);
        assertThat(workspace.candidateIds()).containsExactly(expected);
    }

    @Test
    void impossibleTokensAreNeverCandidates() {
        float n = Float.NEGATIVE_INFINITY;
        SamplingWorkspace workspace = loaded(new float[] {n, 0.5f, n, n, -1f});
        assertThat(workspace.candidateIds()).containsExactly(1, 4);
    }

    @Test
    void theSortKeyOrdersByLogitDescendingThenIdAscendingAndRoundTrips() {
        float[] values = {Float.NEGATIVE_INFINITY, -1e30f, -2.5f, -Float.MIN_VALUE, -0.0f, 0.0f,
                Float.MIN_VALUE, 1f, 3.25f, Float.MAX_VALUE};
        for (int i = 0; i < values.length; i++) {
            long key = SamplingWorkspace.key(values[i], 151_935);
            assertThat(SamplingWorkspace.logitOf(key)).isEqualTo(values[i] + 0.0f);
            assertThat(SamplingWorkspace.idOf(key)).isEqualTo(151_935);
            if (i > 0 && values[i] != values[i - 1]) {
                assertThat(key).as("%s sorts before %s", values[i], values[i - 1])
                        .isLessThan(SamplingWorkspace.key(values[i - 1], 0));
            }
        }
        assertThat(SamplingWorkspace.key(-0.0f, 3)).as("the two zeros tie").isEqualTo(SamplingWorkspace.key(0.0f, 3));
        assertThat(SamplingWorkspace.key(2f, 4)).isLessThan(SamplingWorkspace.key(2f, 5));
    }
}
