package dev.lectern.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The chart's percentiles: nearest rank over the last minute's times to first token. */
class TrafficHistoryTest {

    @Test
    void percentilesAreNearestRankAndNullWithoutSamples() {
        assertThat(TrafficHistory.percentile(new double[0], 0.5)).isNull();
        assertThat(TrafficHistory.percentile(new double[] {0.3}, 0.95)).isEqualTo(0.3);
        double[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(TrafficHistory.percentile(ten, 0.5)).isEqualTo(5);
        assertThat(TrafficHistory.percentile(ten, 0.95)).isEqualTo(10);
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertThat(TrafficHistory.percentile(hundred, 0.95)).isEqualTo(95);
    }
}
