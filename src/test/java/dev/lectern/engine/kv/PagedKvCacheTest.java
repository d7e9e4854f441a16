package dev.lectern.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;

class PagedKvCacheTest {

    private static final int LAYERS = 3;
    private static final int WIDTH = 64;

    @Test
    void rowsComeBackAcrossBlockBoundariesInBothStorageTypes() {
        long seed = System.nanoTime();
        for (KvDataType type : KvDataType.values()) {
            Random random = new Random(seed);
            int positions = 40;
            float[][] keys = new float[LAYERS * positions][];
            float[][] values = new float[LAYERS * positions][];
            try (PagedKvCache cache = new PagedKvCache(LAYERS, WIDTH, 100, type, 16)) {
                for (int p = 0; p < positions; p++) {
                    for (int l = 0; l < LAYERS; l++) {
                        keys[l * positions + p] = randomRow(random);
                        values[l * positions + p] = randomRow(random);
                        cache.write(l, p, keys[l * positions + p], 0, values[l * positions + p], 0);
                    }
                }
                cache.commit(positions);
                assertThat(cache.length()).isEqualTo(positions);
                // F16 keeps 11 significant bits; Q8_0 rounds to half a step of max|x|/127 (plus its fp16 scale).
                double tolerance = type == KvDataType.F16 ? 1e-3 : 0.6 / 127;
                float[] out = new float[WIDTH + 2];
                for (int p = 0; p < positions; p++) {
                    for (int l = 0; l < LAYERS; l++) {
                        java.util.Arrays.fill(out, Float.NaN);
                        cache.readKey(l, p, out, 1);
                        assertClose(out, keys[l * positions + p], tolerance, type + " key l" + l + " p" + p + " seed " + seed);
                        cache.readValue(l, p, out, 1);
                        assertClose(out, values[l * positions + p], tolerance, type + " value l" + l + " p" + p + " seed " + seed);
                        assertThat(out[0]).as("nothing written before the offset").isNaN();
                        assertThat(out[WIDTH + 1]).as("nothing written past the row").isNaN();
                    }
                }
            }
        }
    }

    @Test
    void truncateForgetsPositionsAndTheContextBoundsWrites() {
        try (PagedKvCache cache = new PagedKvCache(LAYERS, WIDTH, 8, KvDataType.F16, 4)) {
            float[] row = new float[WIDTH];
            for (int p = 0; p < 6; p++) {
                for (int l = 0; l < LAYERS; l++) {
                    cache.write(l, p, row, 0, row, 0);
                }
            }
            cache.commit(6);
            cache.truncate(2);
            assertThat(cache.length()).isEqualTo(2);
            assertThatThrownBy(() -> cache.truncate(3)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> cache.write(0, 8, row, 0, row, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("outside the KV cache's 8 positions");
        }
    }

    @Test
    void q8_0NeedsRowsOfWholeBlocks() {
        assertThatThrownBy(() -> new PagedKvCache(LAYERS, 48, 8, KvDataType.Q8_0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks of 32");
    }

    private static float[] randomRow(Random random) {
        float[] row = new float[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            row[i] = (float) random.nextGaussian();
        }
        return row;
    }

    private static void assertClose(float[] actual, float[] expected, double relativeToBlockMax, String what) {
        for (int block = 0; block < WIDTH; block += 32) {
            double max = 0;
            for (int i = block; i < block + 32; i++) {
                max = Math.max(max, Math.abs(expected[i]));
            }
            for (int i = block; i < block + 32; i++) {
                assertThat((double) actual[i + 1]).as(what + " element " + i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(relativeToBlockMax * max + 1e-7));
            }
        }
    }
}
