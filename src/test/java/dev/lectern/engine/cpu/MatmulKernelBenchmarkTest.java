package dev.lectern.engine.cpu;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;
import jdk.incubator.vector.FloatVector;

/**
 * Q8_0, Q4_K and Q6_K matrix products of Qwen3-0.6B's FFN shape, read in place (ggml blocks), repacked into panels
 * and (where they load) by the native kernels ({@link NativeKernels}: Q4_K and Q6_K; Q8_0 stays on panels there),
 * alternately in the same run: decode (one token, GB/s of weights read) and prefill (256 tokens, GFLOP/s).
 * Compare with LIMITS.md (2 threads: ~50 GB/s read, 432 GFLOP/s fp32 FMA). A measurement, not a test:
 * {@code ./mvnw test -Pbench -Dtest=MatmulKernelBenchmarkTest}.
 */
@Tag("bench")
class MatmulKernelBenchmarkTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void panelsAgainstInPlace(GgmlType type) {
        int outputs = 3072;
        int columns = 1024;
        SplittableRandom random = new SplittableRandom(7);
        float[] values = new float[outputs * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        float[] input = new float[256 * columns];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        float[] output = new float[256 * outputs];
        try (Arena arena = Arena.ofShared(); CpuBackend inPlace = new CpuBackend(2, FloatVector.SPECIES_PREFERRED);
             CpuBackend packed = new CpuBackend(2, FloatVector.SPECIES_PREFERRED);
             CpuBackend withNative = new CpuBackend(2)) {
            // Eight copies, so a decode pass streams 26 MB from memory rather than from L3.
            WeightTensor[] weights = new WeightTensor[8];
            for (int w = 0; w < weights.length; w++) {
                weights[w] = WeightTensors.quantize(type, values, outputs, columns, arena);
                packed.prepare(weights[w]);
                withNative.prepare(weights[w]);
            }
            long bytes = weights[0].data().byteSize();
            for (int round = 0; round < 4; round++) {
                for (CpuBackend backend : new CpuBackend[] {inPlace, packed, withNative}) {
                    String name = backend == inPlace ? "in place" : backend == packed ? "panels  " : backend.name();
                    long start = System.nanoTime();
                    int steps = 400;
                    for (int i = 0; i < steps; i++) {
                        backend.matmul(weights[i % weights.length], input, 1, output);
                    }
                    double decodeSeconds = (System.nanoTime() - start) / 1e9;
                    start = System.nanoTime();
                    int prefills = 4;
                    for (int i = 0; i < prefills; i++) {
                        backend.matmul(weights[i % weights.length], input, 256, output);
                    }
                    double prefillSeconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf("%s round %d %s: decode %.1f GB/s, prefill %.0f GFLOP/s%n", type, round, name,
                            steps * bytes / decodeSeconds / 1e9,
                            prefills * 2.0 * outputs * columns * 256 / prefillSeconds / 1e9);
                }
            }
        }
    }
}
