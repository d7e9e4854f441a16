package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Sampling runs once per generated token over Qwen3's 151,936 logits; after warm-up it must allocate
 * nothing, so a long generation does not feed the garbage collector. Measured, not timed: the thread's
 * allocated-bytes counter over many calls.
 */
class SamplingAllocationTest {

    private static final int VOCABULARY = 151_936;
    private static final int CALLS = 100;
    /** Headroom for a stray allocation of the measuring itself; one call's allocation per token would be far more. */
    private static final long ALLOWANCE = 4096;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long bytesPerRun(SamplingParameters parameters) {
        SplittableRandom random = new SplittableRandom(3);
        float[] logits = new float[VOCABULARY];
        for (int i = 0; i < VOCABULARY; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        Sampler sampler = new Sampler(parameters.withSeed(1), VOCABULARY);
        sampler.observe(new int[] {1, 2, 3});
        int sink = 0;
        for (int i = 0; i < CALLS; i++) {
            sink += sampler.sample(logits); // warm-up: class loading and JIT
        }
        long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            sink += sampler.sample(logits);
        }
        long allocated = allocatedBytes() - before;
        assertThat(sink).isNotNegative();
        return allocated;
    }

    @Test
    void sampleAllocatesNothingPerCallAfterWarmUp() {
        assertThat(bytesPerRun(SamplingParameters.defaults().withRepetitionPenalty(1.1).withPresencePenalty(0.5)))
                .as("top-k, top-p and penalties").isLessThan(ALLOWANCE);
        assertThat(bytesPerRun(SamplingParameters.defaults().withTopK(0).withTopP(0.95).withMinP(0.05)))
                .as("top-p and min-p over the whole vocabulary").isLessThan(ALLOWANCE);
        assertThat(bytesPerRun(SamplingParameters.defaults().withoutFilters()))
                .as("plain temperature").isLessThan(ALLOWANCE);
        assertThat(bytesPerRun(SamplingParameters.greedy())).as("greedy").isLessThan(ALLOWANCE);
    }
}
