package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.kv.KvSequence;
import dev.lectern.engine.kv.RandomKv;

/**
 * Decoding sequences that started from one cached prefix attend to its shared blocks together (one pass over
 * them for all rows, then each row's own positions, the softmax states merged): the result must equal the
 * reference's, which attends each sequence on its own, for every native instruction set and cache type.
 * The batch mixes sequences that share the prefix (one of them its writer, one with several rows, one whose
 * shared part ends inside a copied block) with one that shares nothing.
 */
class SharedPrefixAttentionTest {

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /** As NativeKernelsTest's attention bound: relative to max |value|, float sums and a polynomial exp. */
    private static final double BOUND = 5e-6;
    private static final int LAYERS = 2;
    private static final int HEADS = 16;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 64;
    private static final int PREFIX = 700;

    private static final List<CpuBackend> BACKENDS = new ArrayList<>();

    static Stream<Arguments> cases() {
        return NativeKernels.supportedIsas().stream().flatMap(isa -> Stream.of(Arguments.of(isa, KvDataType.F16),
                Arguments.of(isa, KvDataType.Q8_0)));
    }

    @AfterAll
    static void close() {
        BACKENDS.forEach(CpuBackend::close);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void sequencesSharingAPrefixAttendAsEachAlone(CpuIsa isa, KvDataType type) {
        Random random = new Random(isa.ordinal() * 31 + type.ordinal());
        int width = KV_HEADS * HEAD_DIM;
        KvLayout layout = new KvLayout(LAYERS, width, KvLayout.DEFAULT_BLOCK_SIZE, type);
        CpuBackend backend = new CpuBackend(2, NativeKernels.load(isa));
        BACKENDS.add(backend);
        try (KvBlockPool pool = KvBlockPool.ofBlocks(layout, 80)) {
            KvSequence writer = pool.newSequence(1024);
            RandomKv.fill(writer, 0, PREFIX, LAYERS, width, random);
            KvPrefix prefix = writer.sharePrefix(new int[PREFIX]);
            KvSequence one = pool.newSequence(1024, prefix);
            KvSequence three = pool.newSequence(1024, prefix);
            KvSequence longer = pool.newSequence(1024, prefix);
            KvSequence alone = pool.newSequence(1024);
            RandomKv.fill(writer, PREFIX, PREFIX + 2, LAYERS, width, random);
            RandomKv.fill(one, PREFIX, PREFIX + 1, LAYERS, width, random);
            RandomKv.fill(three, PREFIX, PREFIX + 5, LAYERS, width, random);
            RandomKv.fill(longer, PREFIX, PREFIX + 90, LAYERS, width, random);
            RandomKv.fill(alone, 0, 400, LAYERS, width, random);
            // Batch rows: writer 0, one 1, three 2..4, alone 5, longer 6.
            int[] positions = {PREFIX + 1, PREFIX, PREFIX + 2, PREFIX + 3, PREFIX + 4, 399, PREFIX + 89};
            List<SequenceRows> batch = List.of(new SequenceRows(writer, 0, 1), new SequenceRows(one, 1, 1),
                    new SequenceRows(three, 2, 3), new SequenceRows(alone, 5, 1), new SequenceRows(longer, 6, 1));

            // The grouping the native path takes: every sequence but `alone`, over the 640 positions of the ten
            // blocks they all still hold (each copied the prefix's partial eleventh block before writing on).
            SharedPrefixes groups = group(batch, positions, 1);
            assertThat(groups.groups()).isEqualTo(1);
            assertThat(groups.end(0)).isEqualTo(640);
            assertThat(groups.rows(0)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 6);
            assertThat(groups.groupOf(3)).isEqualTo(-1);

            TestInputs inputs = new TestInputs();
            float[] queries = inputs.normal(positions.length * HEADS * HEAD_DIM, 3.0);
            float[] expected = TestInputs.poisoned(queries.length);
            float[] actual = TestInputs.poisoned(queries.length);
            REFERENCE.attention(queries, positions, HEADS, HEAD_DIM, batch, 1, expected);
            backend.attention(queries, positions, HEADS, HEAD_DIM, batch, 1, actual);
            String what = isa.id() + " " + type + " shared-prefix attention, " + inputs.describe();
            assertThat(actual).as("every output written, " + what).doesNotContain(Float.NaN);
            double maxValue = 0;
            for (KvSequence sequence : List.of(writer, one, three, longer, alone)) {
                maxValue = Math.max(maxValue, maxAbsValue(sequence, width));
            }
            double worst = 0;
            for (int i = 0; i < actual.length; i++) {
                double error = Math.abs(actual[i] - expected[i]) / maxValue;
                worst = Math.max(worst, error);
                assertThat(error).as("element %d (row %d), %s", i, i / (HEADS * HEAD_DIM), what)
                        .isLessThanOrEqualTo(BOUND);
            }
            System.out.printf("native %s %s shared-prefix attention: worst |Δ| / max|v| = %.2e%n", isa.id(), type,
                    worst);
            for (KvSequence sequence : List.of(writer, one, three, longer, alone)) {
                sequence.close();
            }
            prefix.close();
        }
    }

    private static SharedPrefixes group(List<SequenceRows> batch, int[] positions, int layer) {
        int count = batch.size();
        long[][] keys = new long[count][];
        long[][] values = new long[count][];
        int[] blocks = new int[count];
        int[] leastVisible = new int[count];
        for (int s = 0; s < count; s++) {
            SequenceRows sequence = batch.get(s);
            int visible = 0;
            leastVisible[s] = Integer.MAX_VALUE;
            for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
                visible = Math.max(visible, positions[r] + 1);
                leastVisible[s] = Math.min(leastVisible[s], positions[r] + 1);
            }
            blocks[s] = Math.ceilDiv(visible, sequence.cache().blockSize());
            keys[s] = new long[blocks[s]];
            values[s] = new long[blocks[s]];
            for (int b = 0; b < blocks[s]; b++) {
                keys[s][b] = sequence.cache().keyBlock(layer, b).address();
                values[s][b] = sequence.cache().valueBlock(layer, b).address();
            }
        }
        return SharedPrefixes.find(batch, keys, values, blocks, leastVisible, 256);
    }

    private static double maxAbsValue(KvSequence sequence, int width) {
        float[] value = new float[width];
        double max = 0;
        for (int p = 0; p < sequence.length(); p++) {
            sequence.readValue(1, p, value, 0);
            for (float v : value) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
