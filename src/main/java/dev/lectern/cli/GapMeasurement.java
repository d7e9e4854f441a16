package dev.lectern.cli;

import java.util.List;

/**
 * The gaps between one streaming sequence's tokens, alone and while another request encodes a
 * {@code prefill}-token prompt. A gap is the time a reading user waits for the next token.
 */
record GapMeasurement(int prefill, List<Long> soloNanos, List<Long> sharedNanos) {

    GapMeasurement {
        if (soloNanos.isEmpty() || sharedNanos.isEmpty()) {
            throw new IllegalArgumentException("no gaps were measured (" + soloNanos.size() + " alone, "
                    + sharedNanos.size() + " beside the prefill)");
        }
        soloNanos = List.copyOf(soloNanos);
        sharedNanos = List.copyOf(sharedNanos);
    }

    double soloMedianMillis() {
        return percentile(soloNanos, 50) / 1e6;
    }

    double sharedPercentileMillis(int percentile) {
        return percentile(sharedNanos, percentile) / 1e6;
    }

    /** The nearest-rank percentile. */
    static long percentile(List<Long> values, int percentile) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }
}
