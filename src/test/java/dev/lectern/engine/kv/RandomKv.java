package dev.lectern.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

/** Fills KV sequences with Gaussian keys and values, for the pool's and the file format's tests. */
public final class RandomKv {

    private RandomKv() {
    }

    /** Reserves and writes positions {@code from} to {@code to} (exclusive) of every layer, then commits them. */
    public static void fill(KvSequence sequence, int from, int to, int layers, int width, Random random) {
        assertThat(sequence.reserve(to)).isTrue();
        float[] key = new float[width];
        float[] value = new float[width];
        for (int p = from; p < to; p++) {
            for (int l = 0; l < layers; l++) {
                for (int i = 0; i < width; i++) {
                    key[i] = (float) random.nextGaussian();
                    value[i] = (float) random.nextGaussian();
                }
                sequence.write(l, p, key, 0, value, 0);
            }
        }
        sequence.commit(to);
    }
}
