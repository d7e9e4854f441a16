package dev.lectern.cli;

import java.util.Arrays;

/**
 * The timed repetitions of one test: tokens per second (over all its sequences) as median, min and max,
 * and the median rate one sequence saw ({@code perSequenceRates}, one per repetition).
 */
record BenchMeasurement(BenchTest test, long[] nanos, double[] perSequenceRates) {

    BenchMeasurement {
        if (nanos.length == 0 || perSequenceRates.length != nanos.length) {
            throw new IllegalArgumentException("a measurement needs at least one repetition, and one per-sequence rate"
                    + " for each");
        }
        nanos = nanos.clone();
        perSequenceRates = perSequenceRates.clone();
    }

    BenchMeasurement(BenchTest test, long[] nanos) {
        this(test, nanos, Arrays.stream(nanos).mapToDouble(n -> test.tokens() * 1e9 / n).toArray());
    }

    int reps() {
        return nanos.length;
    }

    double medianTokensPerSecond() {
        return median(sortedRates());
    }

    double medianPerSequenceTokensPerSecond() {
        double[] rates = perSequenceRates.clone();
        Arrays.sort(rates);
        return median(rates);
    }

    double minTokensPerSecond() {
        return sortedRates()[0];
    }

    double maxTokensPerSecond() {
        double[] rates = sortedRates();
        return rates[rates.length - 1];
    }

    private static double median(double[] sorted) {
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private double[] sortedRates() {
        double[] rates = Arrays.stream(nanos).mapToDouble(n -> test.totalTokens() * 1e9 / n).toArray();
        Arrays.sort(rates);
        return rates;
    }
}
