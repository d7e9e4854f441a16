package dev.lectern.testmodel;

/**
 * What to generate: a shape, a weight format, a seed, and the spread of the random weights. Matrices
 * are drawn from normal(0, weightStd) and norms from normal(1, weightStd); the output head may get a
 * wider spread, since with std 0.02 the top two logits often differ by less than float rounding and
 * two correct engines then pick different tokens (DESIGN.md, Test models).
 */
public record TestModelSpec(ShapePreset shape, WeightFormat format, long seed, float weightStd, float outputStd) {

    public static final float DEFAULT_STD = 0.02f;

    public TestModelSpec {
        if (!(weightStd > 0) || !(outputStd > 0)) {
            throw new IllegalArgumentException("standard deviations must be positive, got " + weightStd
                    + " and " + outputStd);
        }
    }

    public static TestModelSpec of(ShapePreset shape, WeightFormat format, long seed) {
        return new TestModelSpec(shape, format, seed, DEFAULT_STD, DEFAULT_STD);
    }

    public TestModelSpec withOutputStd(float std) {
        return new TestModelSpec(shape, format, seed, weightStd, std);
    }

    /** A name that says what the file is, used as general.name and as the default file name. */
    public String describe() {
        return "lectern-test-" + shape.cliName() + "-" + format.cliName() + "-seed" + seed
                + (outputStd != DEFAULT_STD ? "-out" + outputStd : "");
    }
}
