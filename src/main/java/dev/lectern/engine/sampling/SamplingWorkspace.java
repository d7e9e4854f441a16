package dev.lectern.engine.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The candidate tokens of one sampling step and the filters that narrow them. Every array is sized for
 * the whole vocabulary once, here, so a step allocates nothing; Qwen3's 151,936 logits make that about
 * 4.3 MB. A workspace holds no state between steps, so one thread can share one workspace among all the
 * samplers it runs (a scheduler thread sampling a whole batch); it is not thread-safe.
 *
 * <p>Candidates are kept as parallel arrays of ids and logits. Orderings go through one {@code long} per
 * candidate (see {@link #key}) so plain comparisons order by logit, highest first, and on equal logits
 * by lowest id, the same tie rule as llama.cpp's argmax, without boxing or a comparator. The orderings
 * are in-place heaps rather than {@code Arrays.sort}, which allocates work space on every call (about
 * 39 KB for 151,936 keys on JDK 25, measured with the thread allocation counter).
 */
public final class SamplingWorkspace {

    /** Enough that a bucket of a 151,936-token vocabulary holds tens of tokens, not thousands. */
    private static final int TOP_P_BUCKETS = 4096;

    private final int vocabularySize;
    private final int[] ids;
    private final float[] logits;
    private final long[] keys;
    private final double[] weights;
    private final double[] bucketMass = new double[TOP_P_BUCKETS];
    /** Zero between steps; {@link PenaltyWindow} counts tokens in it. */
    private final int[] penaltyCounts;
    private int count;
    private boolean sorted;
    private float maxLogit;

    public SamplingWorkspace(int vocabularySize) {
        if (vocabularySize < 1) {
            throw new IllegalArgumentException("vocabularySize is " + vocabularySize + "; it must be >= 1");
        }
        this.vocabularySize = vocabularySize;
        this.ids = new int[vocabularySize];
        this.logits = new float[vocabularySize];
        this.keys = new long[vocabularySize];
        this.weights = new double[vocabularySize];
        this.penaltyCounts = new int[vocabularySize];
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    /**
     * Copies one row of logits; candidate i is token i until {@link #dropImpossible()}. The caller's
     * array is never changed: the same logits serve parity checks and the prefix-cache invariant.
     *
     * @throws IllegalStateException for a NaN or +infinity logit, which only a faulty kernel produces
     */
    void load(float[] source, int offset) {
        if (offset < 0 || source.length - offset < vocabularySize) {
            throw new IllegalArgumentException("logits hold " + source.length + " values from offset " + offset
                    + "; sampling needs " + vocabularySize + " (the vocabulary size)");
        }
        for (int i = 0; i < vocabularySize; i++) {
            float logit = source[offset + i];
            if (Float.isNaN(logit) || logit == Float.POSITIVE_INFINITY) {
                throw new IllegalStateException("logit of token " + i + " is " + logit
                        + ": the forward pass produced an invalid value (a kernel bug, not a sampling setting)");
            }
            ids[i] = i;
            logits[i] = logit;
        }
        count = vocabularySize;
        sorted = false;
    }

    void applyPenalties(PenaltyWindow penalties) {
        penalties.apply(logits, penaltyCounts);
    }

    /** The greedy choice among the loaded logits: the highest, and of equal highest the lowest id. */
    int argmax() {
        float best = Float.NEGATIVE_INFINITY;
        int bestId = -1;
        for (int i = 0; i < count; i++) {
            if (logits[i] > best) {
                best = logits[i];
                bestId = ids[i];
            }
        }
        if (bestId < 0) {
            throw noCandidate();
        }
        return bestId;
    }

    /** Removes the tokens that can never be drawn (logit -infinity) and finds the highest logit. */
    void dropImpossible() {
        int kept = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            float logit = logits[i];
            if (logit != Float.NEGATIVE_INFINITY) {
                ids[kept] = ids[i];
                logits[kept] = logit;
                kept++;
                max = Math.max(max, logit);
            }
        }
        if (kept == 0) {
            throw noCandidate();
        }
        count = kept;
        maxLogit = max;
    }

    /** Keeps the k highest logits (lowest ids win ties at the border), sorted; k = 0 keeps all. */
    void topK(int k) {
        if (k <= 0 || k >= count) {
            return;
        }
        // A max-heap of the k smallest keys seen so far: O(n log k), and no sort of the whole vocabulary.
        for (int i = 0; i < k; i++) {
            keys[i] = key(logits[i], ids[i]);
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDownMax(i, k);
        }
        for (int i = k; i < count; i++) {
            long candidate = key(logits[i], ids[i]);
            if (candidate < keys[0]) {
                keys[0] = candidate;
                siftDownMax(0, k);
            }
        }
        // Heapsort the heap in place: each step moves the largest key left to the end, so keys end ascending.
        for (int size = k - 1; size > 0; size--) {
            long largest = keys[0];
            keys[0] = keys[size];
            keys[size] = largest;
            siftDownMax(0, size);
        }
        for (int i = 0; i < k; i++) {
            ids[i] = idOf(keys[i]);
            logits[i] = logitOf(keys[i]);
        }
        count = k;
        sorted = true;
    }

    /**
     * Keeps the smallest set of most likely tokens whose probability (before temperature, over the
     * current candidates) reaches p; always at least the most likely token. p = 1 keeps all.
     */
    void topP(double p) {
        if (p >= 1) {
            return;
        }
        double target = p * fillWeights(1.0);
        if (sorted) {
            double cumulative = 0;
            for (int i = 0; i < count; i++) {
                cumulative += weights[i];
                if (cumulative >= target) {
                    count = i + 1;
                    return;
                }
            }
            return; // rounding left the sum a hair short of p * total: all stay, which is what p ~ 1 means
        }
        topPByBuckets(target);
    }

    /**
     * Top-p over unsorted candidates (no top-k before it) without sorting the vocabulary. Candidates go
     * into buckets by logit, highest first; whole buckets are kept while their mass stays short of the
     * target, and only the bucket where the target is crossed is ordered, through a heap, token by token.
     * The set kept is the one a full sort would keep; its order is left unsorted, which min-p and the draw
     * do not need. The buckets span the candidates' own logit range, so even the very flat logits of a
     * random-weight model spread over them; only logits that are all equal fall into one bucket, and then
     * the heap does all the work (correct, just slower).
     */
    private void topPByBuckets(double target) {
        // Below e^-40 of the most likely token no weight can move a cumulative sum in double, so such
        // tokens share the last bucket and do not stretch the range of the others.
        double floor = (double) maxLogit - 40.0;
        double minLogit = maxLogit;
        for (int i = 0; i < count; i++) {
            if (logits[i] >= floor) {
                minLogit = Math.min(minLogit, logits[i]);
            }
        }
        double range = maxLogit - minLogit;
        double scale = range > 0 ? TOP_P_BUCKETS / range : 0;
        Arrays.fill(bucketMass, 0);
        for (int i = 0; i < count; i++) {
            bucketMass[bucket(logits[i], scale)] += weights[i];
        }
        int boundary = TOP_P_BUCKETS - 1;
        double before = 0;
        for (int b = 0; b < TOP_P_BUCKETS; b++) {
            if (before + bucketMass[b] >= target) {
                boundary = b;
                break;
            }
            before += bucketMass[b];
        }
        // Keep the buckets above the boundary (compacting in place: writes never overtake reads) and
        // gather the boundary bucket's keys for the heap.
        int kept = 0;
        int heapSize = 0;
        for (int i = 0; i < count; i++) {
            int b = bucket(logits[i], scale);
            if (b < boundary) {
                ids[kept] = ids[i];
                logits[kept] = logits[i];
                kept++;
            } else if (b == boundary) {
                keys[heapSize++] = key(logits[i], ids[i]);
            }
        }
        for (int i = heapSize / 2 - 1; i >= 0; i--) {
            siftDownMin(i, heapSize);
        }
        double cumulative = before;
        while (heapSize > 0) {
            long top = keys[0];
            keys[0] = keys[--heapSize];
            siftDownMin(0, heapSize);
            float logit = logitOf(top);
            ids[kept] = idOf(top);
            logits[kept] = logit;
            kept++;
            cumulative += Math.exp((double) logit - maxLogit);
            if (cumulative >= target) {
                break;
            }
        }
        count = kept;
    }

    private int bucket(float logit, double scale) {
        return (int) Math.min(((double) maxLogit - logit) * scale, TOP_P_BUCKETS - 1);
    }

    /** Drops the tokens less likely than {@code minP} times the most likely one (before temperature). */
    void minP(double minP) {
        if (minP <= 0) {
            return;
        }
        double logRatio = Math.log(minP);
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if ((double) logits[i] - maxLogit >= logRatio) {
                ids[kept] = ids[i];
                logits[kept] = logits[i];
                kept++;
            }
        }
        count = kept; // the most likely token always passes: its log ratio is 0
    }

    /**
     * Draws one candidate with probability softmax(logit / temperature) over the candidates left. Exactly
     * one random double is consumed, so the generator's position depends only on the number of draws.
     */
    int draw(double temperature, RandomGenerator random) {
        double total = fillWeights(temperature);
        double threshold = random.nextDouble() * total;
        double cumulative = 0;
        int lastPossible = 0;
        for (int i = 0; i < count; i++) {
            double weight = weights[i];
            if (weight > 0) {
                cumulative += weight;
                lastPossible = i;
                if (threshold < cumulative) {
                    return ids[i];
                }
            }
        }
        return ids[lastPossible]; // the running sum fell short of total by rounding
    }

    /** Current candidate count; for tests of the filters. */
    int count() {
        return count;
    }

    /** Candidate ids in their current order; for tests of the filters. */
    int[] candidateIds() {
        return Arrays.copyOf(ids, count);
    }

    /** exp((logit - max) / temperature) per candidate, in double so 151,936 terms sum without loss. */
    private double fillWeights(double temperature) {
        double total = 0;
        for (int i = 0; i < count; i++) {
            double weight = Math.exp(((double) logits[i] - maxLogit) / temperature);
            weights[i] = weight;
            total += weight;
        }
        return total;
    }

    /** Restores a max-heap (largest key at the root) of {@code size} keys below {@code index}. */
    private void siftDownMax(int index, int size) {
        long value = keys[index];
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] > keys[child]) {
                child++;
            }
            if (keys[child] <= value) {
                break;
            }
            keys[index] = keys[child];
            index = child;
        }
        keys[index] = value;
    }

    /** Restores a min-heap (smallest key, so the most likely token, at the root). */
    private void siftDownMin(int index, int size) {
        long value = keys[index];
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (keys[child] >= value) {
                break;
            }
            keys[index] = keys[child];
            index = child;
        }
        keys[index] = value;
    }

    /**
     * A long whose ascending order is descending logit, then ascending id. The float's bits are made
     * monotone as a signed int (negative floats have their magnitude bits flipped), then inverted so
     * higher logits come first; the id fills the low half. Adding 0 turns -0.0 into +0.0 so the two
     * zeros tie, as they do under {@code >}.
     */
    static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit + 0.0f);
        int ordered = bits ^ ((bits >> 31) & 0x7FFF_FFFF);
        return ((long) ~ordered << 32) | id;
    }

    static int idOf(long key) {
        return (int) key;
    }

    static float logitOf(long key) {
        int ordered = ~(int) (key >>> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7FFF_FFFF));
    }

    private static IllegalStateException noCandidate() {
        return new IllegalStateException("every logit is -infinity after penalties: no token can be sampled");
    }
}
