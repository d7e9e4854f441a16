package dev.lectern.engine.sampling;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Chooses the next token of one sequence from the logits of the forward pass. A generator makes one
 * sampler per sequence, shows it the prompt once, then calls {@link #sample} once per generated token:
 *
 * <pre>{@code
 * Sampler sampler = new Sampler(parameters, workspace);     // or new Sampler(parameters, vocabularySize)
 * sampler.observe(promptTokens);                            // so the penalties see the prompt, as llama.cpp's server does
 * int token = sampler.sample(logits);                       // also remembers the token for the penalties
 * }</pre>
 *
 * The steps follow llama.cpp's sampler chain: penalties, then (unless greedy) top-k, top-p, min-p,
 * temperature, and a draw from the softmax of what is left. Greedy (temperature 0) takes the argmax of
 * the penalized logits, the lowest id of equal highest ones, and draws no random number.
 *
 * <p>Random numbers come from a {@link SplittableRandom} seeded once. It lives in java.base (the LXM
 * generators need the jdk.random module, which a trimmed runtime image may lack) and its algorithm,
 * SplitMix64, has not changed since Java 8, so a recorded seed replays the same draws. A sampler is not
 * thread-safe.
 */
public final class Sampler {

    private final SamplingParameters parameters;
    private final SamplingWorkspace workspace;
    private final RandomGenerator random;
    /** Null when no penalty is on: then nothing need be remembered. */
    private final PenaltyWindow penalties;

    /** A sampler with its own workspace (about 4.3 MB for Qwen3's vocabulary). */
    public Sampler(SamplingParameters parameters, int vocabularySize) {
        this(parameters, new SamplingWorkspace(vocabularySize));
    }

    /**
     * A sampler that borrows a workspace; every sampler used from one thread may share one.
     *
     * @param parameters without a seed, one is drawn from {@link SecureRandom} and reported by
     *                   {@link #parameters()} and {@link #seed()}
     */
    public Sampler(SamplingParameters parameters, SamplingWorkspace workspace) {
        long seed = parameters.seed().isPresent() ? parameters.seed().getAsLong() : SeedSource.next();
        this.parameters = parameters.withSeed(seed);
        this.workspace = workspace;
        this.random = new SplittableRandom(seed);
        this.penalties = parameters.hasPenalties() ? new PenaltyWindow(parameters) : null;
    }

    /** The parameters in force, with the seed actually used: enough to reproduce this sequence. */
    public SamplingParameters parameters() {
        return parameters;
    }

    public long seed() {
        return parameters.seed().getAsLong();
    }

    /** Counts a token of the context (the prompt) for the penalties; {@link #sample} records its own. */
    public void observe(int token) {
        checkToken(token);
        if (penalties != null) {
            penalties.add(token);
        }
    }

    public void observe(int[] tokens) {
        for (int token : tokens) {
            observe(token);
        }
    }

    /** Chooses the next token from {@code logits[0 .. vocabularySize)}; see {@link #sample(float[], int)}. */
    public int sample(float[] logits) {
        return sample(logits, 0);
    }

    /**
     * Chooses the next token from the vocabulary-sized row of {@code logits} that starts at {@code offset}
     * (one row of a batch), and remembers it for the penalties. The logits are not modified.
     *
     * @throws IllegalStateException if a logit is NaN or +infinity (a kernel bug), or every logit is
     *                               -infinity
     */
    public int sample(float[] logits, int offset) {
        workspace.load(logits, offset);
        if (penalties != null) {
            workspace.applyPenalties(penalties);
        }
        int token;
        if (parameters.isGreedy()) {
            token = workspace.argmax();
        } else {
            workspace.dropImpossible();
            workspace.topK(parameters.topK());
            workspace.topP(parameters.topP());
            workspace.minP(parameters.minP());
            token = workspace.draw(parameters.temperature(), random);
        }
        if (penalties != null) {
            penalties.add(token);
        }
        return token;
    }

    private void checkToken(int token) {
        if (token < 0 || token >= workspace.vocabularySize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, "
                    + workspace.vocabularySize() + ")");
        }
    }

    /** Seeds for requests that give none; SecureRandom so concurrent requests never share a stream. */
    private static final class SeedSource {
        private static final SecureRandom RANDOM = new SecureRandom();

        static long next() {
            return RANDOM.nextLong();
        }
    }
}
