package dev.lectern.engine.cpu;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random inputs with a fresh seed per run, so repeated runs explore new data; every assertion names its
 * seed, and {@code -Dlectern.test.seed=N} replays it.
 */
final class TestInputs {

    private static final String PROPERTY = "lectern.test.seed";

    final long seed;
    private final SplittableRandom random;

    TestInputs() {
        String fixed = System.getProperty(PROPERTY);
        this.seed = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim()) : new SplittableRandom().nextLong();
        this.random = new SplittableRandom(seed);
    }

    String describe() {
        return "seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + ")";
    }

    /** Normal values of the given spread (Box–Muller): the shape of weights and activations. */
    float[] normal(int count, double std) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            double u = 1.0 - random.nextDouble();
            values[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return values;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** An output buffer whose every element is NaN, so an element a kernel forgets to write shows up. */
    static float[] poisoned(int count) {
        float[] values = new float[count];
        Arrays.fill(values, Float.NaN);
        return values;
    }
}
