package dev.lectern.cli;

import java.util.Arrays;

/** The timed repetitions of one test: tokens per second as median, min and max over the repetitions. */
record BenchMeasurement(BenchTest test, long[] nanos) {

    BenchMeasurement {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("a measurement needs at least one repetition");
        }
        nanos = nanos.clone();
    }

    int reps() {
        return nanos.length;
    }

    double medianTokensPerSecond() {
        double[] rates = sortedRates();
        int middle = rates.length / 2;
        return rates.length % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
    }

    double minTokensPerSecond() {
        return sortedRates()[0];
    }

    double maxTokensPerSecond() {
        double[] rates = sortedRates();
        return rates[rates.length - 1];
    }

    private double[] sortedRates() {
        double[] rates = Arrays.stream(nanos).mapToDouble(n -> test.tokens() * 1e9 / n).toArray();
        Arrays.sort(rates);
        return rates;
    }
}
