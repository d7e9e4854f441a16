package dev.lectern.engine.model;

import static dev.lectern.testing.ForwardSteps.positions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvSequence;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import jdk.incubator.vector.FloatVector;

/**
 * One forward step over the rows of several sequences (two decoding at different positions, one prefilling
 * a chunk) gives each sequence the logits it gets when run alone: the batch must not leak one sequence's
 * keys into another's attention, mix up positions, or depend on its neighbours' rows.
 */
class BatchedForwardTest {

    @TempDir
    static Path dir;

    private static Qwen3Model f16;
    private static Qwen3Model q8;

    @BeforeAll
    static void generateModels() throws IOException {
        Qwen3Vocabulary vocabulary = Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY);
        f16 = Qwen3Model.load(TestModelGenerator.write(dir.resolve("tiny-f16.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.F16, 31).withOutputStd(1f), vocabulary, p -> { }).file());
        q8 = Qwen3Model.load(TestModelGenerator.write(dir.resolve("tiny-q8_0.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 32).withOutputStd(1f), vocabulary, p -> { }).file());
    }

    @AfterAll
    static void close() {
        f16.close();
        q8.close();
    }

    /** The scalar reference treats every row and sequence on its own: batched equals solo bit for bit. */
    @Test
    void onTheReferenceBackendABatchedStepEqualsEachSequenceAlone() {
        for (Qwen3Model model : List.of(f16, q8)) {
            Difference difference = compare(model, new ReferenceBackend());
            assertThat(difference.maxAbsolute).as("reference backend, %s", model.path().getFileName()).isZero();
        }
    }

    /**
     * On the CPU backend a batch of 32 rows takes other kernels than a row alone (float panels or tiles
     * instead of the decode kernels, which round activations to int8 where they run natively), so the
     * logits differ by rounding. Measured on an AMD EPYC (Zen 5), max |Δ| relative to the row's largest
     * |logit|: F16 weights 1.7e-6 to 2.1e-5 on the Vector API at 256 and 512 bits (the spread between runs
     * is the F16 KV cache: a key that differs in its last float bit now and then rounds to the neighbouring
     * half, a 5e-4 step, and whether the JIT has compiled a reduction yet changes those bits) and 0 with the
     * native kernels; Q8_0 weights 3e-7 to 5.5e-6 on the Vector API and 8e-3 natively (int8 activations when
     * decoding alone, floats in the batch). Letting every decoding sequence read the first one's keys (a
     * mutation tried once) moved the logits by 0.40.
     */
    @Test
    void onTheCpuBackendABatchedStepMatchesEachSequenceAloneWithinRounding() {
        for (CpuBackend backend : List.of(new CpuBackend(2, FloatVector.SPECIES_256), new CpuBackend(2,
                FloatVector.SPECIES_PREFERRED), new CpuBackend(2))) {
            try (backend) {
                assertThat(compare(f16, backend).maxRelative).as("%s, F16 weights", backend.name()).isLessThan(2e-4);
                boolean roundsActivations = backend.isa().isNative();
                assertThat(compare(q8, backend).maxRelative).as("%s, Q8_0 weights", backend.name())
                        .isLessThan(roundsActivations ? 5e-2 : 2e-4);
            }
        }
    }

    private record Difference(double maxAbsolute, double maxRelative) {
    }

    /**
     * Sequence a has 40 cached positions and decodes one token; b has 70 (its table crosses a block
     * boundary) and decodes one; c has 20 and prefills a chunk of 30. The batch holds them as [a][c][b].
     */
    private static Difference compare(Qwen3Model model, Backend backend) {
        Qwen3Forward forward = new Qwen3Forward(model, backend);
        KvLayout layout = new KvLayout(model.config().blockCount(), model.config().kvWidth(), KvLayout.DEFAULT_BLOCK_SIZE,
                KvDataType.F16);
        SplittableRandom random = new SplittableRandom(5);
        int[] historyA = randomTokens(random, 40);
        int[] historyB = randomTokens(random, 70);
        int[] historyC = randomTokens(random, 20);
        int tokenA = 1234;
        int tokenB = 98_765;
        int[] chunkC = randomTokens(random, 30);
        try (KvBlockPool pool = KvBlockPool.ofBlocks(layout, 16)) {
            float[][] solo = new float[3][];
            try (KvSequence a = prefilled(pool, forward, historyA); KvSequence b = prefilled(pool, forward, historyB);
                 KvSequence c = prefilled(pool, forward, historyC)) {
                solo[0] = step(forward, a, new int[] {tokenA});
                solo[1] = step(forward, c, chunkC);
                solo[2] = step(forward, b, new int[] {tokenB});
            }
            assertThat(pool.stats().usedBlocks()).isZero();
            try (KvSequence a = prefilled(pool, forward, historyA); KvSequence b = prefilled(pool, forward, historyB);
                 KvSequence c = prefilled(pool, forward, historyC)) {
                int[] tokens = new int[32];
                tokens[0] = tokenA;
                System.arraycopy(chunkC, 0, tokens, 1, 30);
                tokens[31] = tokenB;
                int[] positions = new int[32];
                positions[0] = 40;
                System.arraycopy(positions(20, 50), 0, positions, 1, 30);
                positions[31] = 70;
                assertThat(a.reserve(41) && c.reserve(50) && b.reserve(71)).isTrue();
                float[] batched = forward.forward(tokens, positions, List.of(new SequenceRows(a, 0, 1),
                        new SequenceRows(c, 1, 30), new SequenceRows(b, 31, 1)), new int[] {0, 30, 31});
                assertThat(a.length()).isEqualTo(41);
                assertThat(c.length()).isEqualTo(50);
                assertThat(b.length()).isEqualTo(71);
                int vocabulary = model.config().vocabularySize();
                double maxAbsolute = 0;
                double maxRelative = 0;
                for (int s = 0; s < 3; s++) {
                    double largest = 0;
                    double worst = 0;
                    for (int i = 0; i < vocabulary; i++) {
                        largest = Math.max(largest, Math.abs(solo[s][i]));
                        worst = Math.max(worst, Math.abs(solo[s][i] - batched[s * vocabulary + i]));
                    }
                    maxAbsolute = Math.max(maxAbsolute, worst);
                    maxRelative = Math.max(maxRelative, worst / largest);
                }
                return new Difference(maxAbsolute, maxRelative);
            }
        }
    }

    private static KvSequence prefilled(KvBlockPool pool, Qwen3Forward forward, int[] history) {
        KvSequence sequence = pool.newSequence(256);
        step(forward, sequence, history);
        return sequence;
    }

    /** Runs {@code tokens} alone at the sequence's next positions; returns the last row's logits. */
    private static float[] step(Qwen3Forward forward, KvSequence sequence, int[] tokens) {
        int from = sequence.length();
        assertThat(sequence.reserve(from + tokens.length)).isTrue();
        return forward.forward(tokens, positions(from, from + tokens.length), sequence, new int[] {tokens.length - 1});
    }

    private static int[] randomTokens(SplittableRandom random, int count) {
        return IntStream.range(0, count).map(i -> random.nextInt(150_000)).toArray();
    }
}
