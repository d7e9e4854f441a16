package dev.lectern.engine.cpu;

import static dev.lectern.testing.ForwardSteps.argmax;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.engine.model.Qwen3Forward;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import jdk.incubator.vector.FloatVector;

/**
 * A whole Qwen3 forward pass (a prefill chunk, then decoded tokens) gives the same logits with
 * {@link CpuBackend} as with {@link ReferenceBackend}, on small random models: tiny in F32, and small in
 * Q4_K_M (Q4_K and Q6_K matrices, real 256-value rows). The output head gets std 1 (DESIGN.md, Test
 * models) so logits have a real spread and the comparison is not lost in rounding.
 */
class CpuForwardParityTest {

    /**
     * Relative RMS difference of a logits row. Every op agrees to ~3e-7 (CpuBackendParityTest), and the
     * tiny F32 model's logits agree to ~3e-6. The small model's measured 5–6e-5 (both widths) comes from
     * the F16 KV cache: a key or value that differs in its last float bits now and then rounds to the
     * neighbouring fp16 value, a 5e-4 relative step that then flows through attention. The bound is ~8× the
     * worst seen; a wrong kernel (one sub-block misread, a head mixed up) moves logits by percents.
     * The greedy token must agree too: with the head's std of 1 the top two logits lie far apart.
     */
    private static final double LOGITS_BOUND = 5e-4;

    private static Qwen3Vocabulary vocabulary;

    @TempDir
    static Path dir;

    @BeforeAll
    static void loadVocabulary() throws IOException {
        vocabulary = Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY);
    }

    @Test
    void tinyF32ModelGivesTheReferenceLogits() throws IOException {
        compare(TestModelSpec.of(ShapePreset.TINY, WeightFormat.F32, 21).withOutputStd(1f));
    }

    @Test
    void smallQ4KMModelGivesTheReferenceLogits() throws IOException {
        compare(TestModelSpec.of(ShapePreset.SMALL, WeightFormat.Q4_K_M, 22).withOutputStd(1f));
    }

    private static void compare(TestModelSpec spec) throws IOException {
        Path file = TestModelGenerator.write(dir.resolve(spec.describe() + ".gguf"), spec, vocabulary, p -> { }).file();
        try (Qwen3Model model = Qwen3Model.load(file)) {
            int[] prompt = model.tokenizer().encode("The committee reviewed the quarterly report and found that revenue"
                    + " had grown in every region except the north, where a new competitor had", false);
            float[][] expected = run(model, new ReferenceBackend(), prompt);
            for (var species : new jdk.incubator.vector.VectorSpecies[] {FloatVector.SPECIES_PREFERRED,
                    FloatVector.SPECIES_256}) {
                @SuppressWarnings("unchecked")
                jdk.incubator.vector.VectorSpecies<Float> s = species;
                try (CpuBackend cpu = new CpuBackend(2, s)) {
                    float[][] actual = run(model, cpu, prompt);
                    for (int step = 0; step < expected.length; step++) {
                        double difference = relativeRms(expected[step], actual[step]);
                        System.out.printf("%s %s step %d: relative RMS of logits %.2e%n", spec.describe(), cpu.name(),
                                step, difference);
                        assertThat(difference).as("%s on %s, step %d (0 is the prefill)", cpu.name(), spec.describe(), step)
                                .isLessThanOrEqualTo(LOGITS_BOUND);
                        assertThat(argmax(actual[step])).as("%s greedy token at step %d", cpu.name(), step)
                                .isEqualTo(argmax(expected[step]));
                    }
                }
            }
        }
    }

    /** Logits of the prompt's last row, then of three decoded tokens. */
    private static float[][] run(Qwen3Model model, Backend backend, int[] prompt) {
        Qwen3Forward forward = new Qwen3Forward(model, backend);
        float[][] logits = new float[4][];
        try (PagedKvCache cache = new PagedKvCache(model.config().blockCount(), model.config().kvWidth(), 256,
                KvDataType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE)) {
            int[] positions = new int[prompt.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i;
            }
            logits[0] = forward.forward(prompt, positions, cache, new int[] {prompt.length - 1});
            // Fixed continuation tokens, so both backends see the same inputs whatever they predict.
            int[] next = {9707, 11, 1879};
            for (int step = 1; step < logits.length; step++) {
                int position = cache.length();
                logits[step] = forward.forward(new int[] {next[step - 1]}, new int[] {position}, cache, new int[] {0});
            }
        }
        return logits;
    }

    private static double relativeRms(float[] expected, float[] actual) {
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
