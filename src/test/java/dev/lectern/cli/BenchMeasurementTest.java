package dev.lectern.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenchMeasurementTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void ratesAreTokensOverTimeWithTheMedianOfAnOddCount() {
        // 100 tokens in 1 s, 4 s and 2 s: 100, 25 and 50 tok/s.
        BenchMeasurement result = new BenchMeasurement(BenchTest.prefill(100), new long[] {SECOND, 4 * SECOND, 2 * SECOND});
        assertThat(result.medianTokensPerSecond()).isCloseTo(50, within(1e-9));
        assertThat(result.minTokensPerSecond()).isCloseTo(25, within(1e-9));
        assertThat(result.maxTokensPerSecond()).isCloseTo(100, within(1e-9));
    }

    @Test
    void anEvenCountAveragesTheMiddleTwo() {
        BenchMeasurement result = new BenchMeasurement(BenchTest.decode(10, 64),
                new long[] {SECOND, SECOND / 2, 2 * SECOND, SECOND / 4});
        // 10, 20, 5 and 40 tok/s: the middle two are 10 and 20.
        assertThat(result.medianTokensPerSecond()).isCloseTo(15, within(1e-9));
        assertThat(result.test().name()).isEqualTo("tg10");
        // The depth, the arbitrary first input and the ten generated tokens.
        assertThat(result.test().positions()).isEqualTo(75);
    }

    @Test
    void concurrentSequencesCountEveryTokenInTheAggregateAndReportTheirOwnRate() {
        BenchMeasurement result = new BenchMeasurement(BenchTest.decode(10, 0, 4),
                new long[] {SECOND, 2 * SECOND, SECOND}, new double[] {12, 11, 9});
        assertThat(result.medianTokensPerSecond()).as("4 sequences x 10 tokens per second").isCloseTo(40, within(1e-9));
        assertThat(result.minTokensPerSecond()).isCloseTo(20, within(1e-9));
        assertThat(result.medianPerSequenceTokensPerSecond()).isCloseTo(11, within(1e-9));
    }
}
