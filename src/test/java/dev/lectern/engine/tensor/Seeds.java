package dev.lectern.engine.tensor;

import java.util.SplittableRandom;

/**
 * Random test data with a fresh seed each run, so many runs explore many inputs; every assertion
 * names its seed, and {@code -Dlectern.test.seed=N} replays a failure exactly.
 */
final class Seeds {

    private static final String PROPERTY = "lectern.test.seed";

    private Seeds() {
    }

    static long next() {
        String fixed = System.getProperty(PROPERTY);
        return fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim()) : new SplittableRandom().nextLong();
    }

    static String describe(long seed) {
        return "seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + ")";
    }

    /** Standard normal values via Box–Muller: the shape of trained weights, near enough. */
    static float[] normal(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i += 2) {
            double u = 1.0 - random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u));
            double angle = 2 * Math.PI * random.nextDouble();
            values[i] = (float) (r * Math.cos(angle));
            if (i + 1 < count) {
                values[i + 1] = (float) (r * Math.sin(angle));
            }
        }
        return values;
    }

    /** sqrt(sum (actual − expected)²) / sqrt(sum expected²). */
    static double relativeRms(float[] expected, float[] actual) {
        double error = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = (double) actual[i] - expected[i];
            error += diff * diff;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(error / norm);
    }
}
