package dev.lectern.engine.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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

/**
 * Prefill and decode speed of the forward pass on a Qwen3-0.6B-shaped Q8_0 model (random weights; speed
 * does not depend on them), CpuBackend with 2 threads against ReferenceBackend. A measurement, not a
 * test: run with {@code ./mvnw test -Pbench -Dtest=CpuBackendBenchmarkTest}; it prints llama-bench-like
 * lines (pp = prompt processing, tg = text generation) to
 * target/surefire-reports/dev.lectern.engine.cpu.CpuBackendBenchmarkTest-output.txt.
 */
@Tag("bench")
class CpuBackendBenchmarkTest {

    private static final Path MODEL = Path.of("target", "test-models", "qwen3-0.6b-q8_0-seed1.gguf");

    @Test
    void qwen3_0_6bQ8_0PrefillAndDecodeTokensPerSecond() throws IOException {
        try (Qwen3Model model = Qwen3Model.load(model());
             CpuBackend cpu = new CpuBackend(2)) {
            // Warm-up: the JIT compiles the kernels for both shapes of work.
            measure(model, cpu, 64, 8);
            for (int repeat = 0; repeat < 2; repeat++) {
                report(cpu, measure(model, cpu, 128, 32), 128, 32);
                report(cpu, measure(model, cpu, 512, 0), 512, 0);
            }
            report(new ReferenceBackend(), measure(model, new ReferenceBackend(), 8, 3), 8, 3);
        }
    }

    private static Path model() throws IOException {
        if (!Files.exists(MODEL)) {
            Files.createDirectories(MODEL.getParent());
            Path partial = MODEL.resolveSibling(MODEL.getFileName() + ".partial");
            TestModelGenerator.write(partial, TestModelSpec.of(ShapePreset.QWEN3_0_6B, WeightFormat.Q8_0, 1),
                    Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), p -> { });
            Files.move(partial, MODEL);
        }
        return MODEL;
    }

    /** Seconds for a prompt of {@code prompt} tokens in one chunk, then for {@code decode} single-token steps. */
    private static double[] measure(Qwen3Model model, Backend backend, int prompt, int decode) {
        Qwen3Forward forward = new Qwen3Forward(model, backend);
        try (PagedKvCache cache = new PagedKvCache(model.config().blockCount(), model.config().kvWidth(),
                prompt + decode + 1, KvDataType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE)) {
            int[] tokens = new int[prompt];
            int[] positions = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                tokens[i] = 1000 + 37 * i;
                positions[i] = i;
            }
            long start = System.nanoTime();
            forward.forward(tokens, positions, cache, new int[] {prompt - 1});
            long prefilled = System.nanoTime();
            for (int i = 0; i < decode; i++) {
                forward.forward(new int[] {2000 + i}, new int[] {cache.length()}, cache, new int[] {0});
            }
            long decoded = System.nanoTime();
            return new double[] {(prefilled - start) / 1e9, (decoded - prefilled) / 1e9};
        }
    }

    private static void report(Backend backend, double[] seconds, int prompt, int decode) {
        System.out.printf("qwen3-0.6b q8_0 | %-16s | pp%-4d %8.1f tokens/s", backend.name(), prompt, prompt / seconds[0]);
        if (decode > 0) {
            System.out.printf(" | tg%-3d (after pp%d) %6.2f tokens/s", decode, prompt, decode / seconds[1]);
        }
        System.out.println();
    }
}
