package dev.lectern.engine.cpu;

import dev.lectern.engine.tensor.WeightTensor;

/**
 * A weight matrix repacked at load time into row panels: {@code lanes} consecutive rows (the float vector
 * length) stored side by side per column, so one vector load reads one column of every row of a panel
 * and a broadcast-FMA advances {@code lanes} dot products at once, with the result a vector of
 * consecutive outputs. Rows past the last multiple of {@code lanes} are padded with zero weights.
 */
sealed interface PanelWeights permits PackedInt8, PackedQ4_K {

    int rows();

    int columns();

    int lanes();

    default int panels() {
        return Math.ceilDiv(rows(), lanes());
    }

    /** Bytes one panel occupies: what a thread streams per panel. */
    long panelBytes();

    /** Copies the rows of panels {@code firstPanel <= p < endPanel} from {@code weight}; threads may split panels. */
    void packPanels(WeightTensor weight, int firstPanel, int endPanel);

    /** The weight at (row, column), read from the panels: the scalar reference for the packing. */
    float weight(int row, int column);
}
