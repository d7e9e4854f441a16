package dev.lectern.engine.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The pacer steers the chunk beside decoding rows to the size whose step takes gapFactor decode steps. */
class PrefillPacerTest {

    private static final long MS = 1_000_000;

    /** Runs the scheduler's use of the pacer against a machine where a step costs decode + perRow · rows. */
    private static PrefillPacer simulate(double gapFactor, int maxChunk, long decode, long perRow, int steps) {
        PrefillPacer pacer = new PrefillPacer(maxChunk, gapFactor);
        for (int step = 0; step < steps; step++) {
            int rows = pacer.budget();
            if (rows == 0) {
                pacer.decodeOnlyStep(decode);
            } else {
                pacer.mixedStep(rows, decode + perRow * rows);
            }
        }
        return pacer;
    }

    @Test
    void theChunkSettlesWhereAMixedStepTakesTheFactorTimesADecodeStep() {
        // 20 ms to decode, 2 ms a prompt row: 2.5 x 20 ms allows 15 rows.
        assertThat(simulate(2.5, 256, 20 * MS, 2 * MS, 60).chunk()).isCloseTo(15, within(1.0));
        // A big model on a slow CPU: 500 ms to decode, 60 ms a row: 12.5 rows.
        assertThat(simulate(2.5, 256, 500 * MS, 60 * MS, 60).chunk()).isCloseTo(12.5, within(1.0));
        // Rows nearly free next to decoding: the chunk grows to its cap.
        assertThat(simulate(2.5, 64, 20 * MS, MS / 100, 80).chunk()).isEqualTo(64);
        // Rows dearer than a decode step: one row at a time, never none.
        assertThat(simulate(2.5, 64, 10 * MS, 40 * MS, 40).chunk()).isEqualTo(1);
    }

    @Test
    void decodeOnlyStepsComeFirstAndThenEveryFewMixedSteps() {
        PrefillPacer pacer = new PrefillPacer(64, 2.5);
        assertThat(pacer.budget()).as("nothing measured yet: decode alone first").isZero();
        pacer.decodeOnlyStep(20 * MS);
        int mixed = 0;
        while (pacer.budget() > 0) {
            pacer.mixedStep(pacer.budget(), 30 * MS);
            mixed++;
        }
        assertThat(mixed).isEqualTo(PrefillPacer.MIXED_STEPS_PER_REFRESH);
        pacer.decodeOnlyStep(20 * MS);
        assertThat(pacer.budget()).isPositive();
    }
}
