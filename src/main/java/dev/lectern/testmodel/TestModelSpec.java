package dev.lectern.testmodel;

import dev.lectern.engine.gguf.GgmlType;

/**
 * What to generate: a shape, a weight format, a seed, and the spread of the random weights. Matrices
 * are drawn from normal(0, weightStd) and norms from normal(1, weightStd); the output head may get a
 * wider spread, since with std 0.02 the top two logits often differ by less than float rounding and
 * two correct engines then pick different tokens (DESIGN.md, Test models).
 *
 * <p>Two more spreads shape how the residual stream behaves: {@code embeddingStd} for an untied token
 * embedding (the stream's start) and {@code residualStd} for the two matrices that write into the stream
 * (attn_output and ffn_down). By default both equal {@code weightStd}: every layer then adds more to the
 * stream than the embedding put there, which makes a random model chaotic under 8-bit activation rounding.
 * {@code outputType}, when not null, stores an untied output head in that type instead of the format's.
 * {@link #forParity} uses all three.
 */
public record TestModelSpec(ShapePreset shape, WeightFormat format, long seed, float weightStd, float outputStd,
                            float embeddingStd, float residualStd, GgmlType outputType) {

    public static final float DEFAULT_STD = 0.02f;

    /** {@link #forParity}'s spreads; see there for why. */
    public static final float PARITY_OUTPUT_STD = 1f;
    public static final float PARITY_EMBEDDING_STD = 1f;
    /**
     * How large each layer's feed-forward output is in a parity model, per value, against the embedding's
     * std of 1: large enough that a 1% error in it moves the logits far above rounding noise, small enough
     * that a flipped 8-bit rounding does not cascade through the layers (DESIGN.md, Test models).
     */
    static final double PARITY_FEED_FORWARD_SHARE = 0.0028;

    public TestModelSpec {
        if (!(weightStd > 0) || !(outputStd > 0) || !(embeddingStd > 0) || !(residualStd > 0)) {
            throw new IllegalArgumentException("standard deviations must be positive, got " + weightStd + ", "
                    + outputStd + ", " + embeddingStd + " and " + residualStd);
        }
    }

    /** The embedding and the residual writers drawn like the other matrices, from normal(0, weightStd). */
    public TestModelSpec(ShapePreset shape, WeightFormat format, long seed, float weightStd, float outputStd) {
        this(shape, format, seed, weightStd, outputStd, weightStd, weightStd, null);
    }

    public static TestModelSpec of(ShapePreset shape, WeightFormat format, long seed) {
        return new TestModelSpec(shape, format, seed, DEFAULT_STD, DEFAULT_STD);
    }

    /**
     * A model whose logits two correct engines agree on even when one rounds its activations to 8 bits and the
     * other does not, for parity tests (DESIGN.md, Test models): token embedding std 1 and the two matrices that
     * write into the residual stream (attn_output, ffn_down) a spread that makes each feed-forward output ~0.3%
     * of that ({@link #parityResidualStd}: 0.002 for small, 0.02 for tiny), so every layer adds a small correction
     * and a flipped rounding dies out instead of growing through the layers; the output head std 1 (clear
     * winners) and in F32 (llama.cpp rounds a quantized head's inputs, and one flipped rounding there moves
     * every logit by ~0.07). The other matrices keep the format's type and std 0.02.
     */
    public static TestModelSpec forParity(ShapePreset shape, WeightFormat format, long seed) {
        return new TestModelSpec(shape, format, seed, DEFAULT_STD, PARITY_OUTPUT_STD, PARITY_EMBEDDING_STD,
                parityResidualStd(shape), GgmlType.F32);
    }

    /**
     * The residual writers' spread that makes a feed-forward output {@link #PARITY_FEED_FORWARD_SHARE} per value:
     * gate and up give values of std {@code s = 0.02·√hidden}, SwiGLU of such small values is about
     * {@code gate·up/2} (std {@code s²/2}), and ffn_down sums {@code ffn} of them. One significant digit:
     * 0.02 for tiny, 0.002 for small.
     */
    static float parityResidualStd(ShapePreset shape) {
        double gateStd = DEFAULT_STD * Math.sqrt(shape.hidden());
        double std = PARITY_FEED_FORWARD_SHARE / (Math.sqrt(shape.feedForward()) * gateStd * gateStd / 2);
        double unit = Math.pow(10, Math.floor(Math.log10(std)));
        return (float) (Math.round(std / unit) * unit);
    }

    public TestModelSpec withOutputStd(float std) {
        return new TestModelSpec(shape, format, seed, weightStd, std, embeddingStd, residualStd, outputType);
    }

    public TestModelSpec withEmbeddingStd(float std) {
        return new TestModelSpec(shape, format, seed, weightStd, outputStd, std, residualStd, outputType);
    }

    public TestModelSpec withResidualStd(float std) {
        return new TestModelSpec(shape, format, seed, weightStd, outputStd, embeddingStd, std, outputType);
    }

    /** A name that says what the file is, used as general.name and as the default file name. */
    public String describe() {
        return "lectern-test-" + shape.cliName() + "-" + format.cliName() + "-seed" + seed
                + (outputStd != DEFAULT_STD ? "-out" + outputStd : "")
                + (embeddingStd != weightStd ? "-emb" + embeddingStd : "")
                + (residualStd != weightStd ? "-res" + residualStd : "")
                + (outputType != null ? "-head" + outputType.name().toLowerCase(java.util.Locale.ROOT) : "");
    }
}
