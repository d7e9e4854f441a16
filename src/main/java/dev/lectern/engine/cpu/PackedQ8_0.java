package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * A Q8_0 weight repacked at load time into the layout the Vector API streams fastest: row panels in heap
 * arrays. A panel is {@code lanes} consecutive weight rows (the float vector length); within a panel,
 * for each 32-column block and each column k of it, the {@code lanes} rows' quants sit side by side, so
 * one byte-vector load gives column k of every row of the panel, and one multiply-add with x[k]
 * broadcast advances {@code lanes} dot products at once. The fp16 block scales become floats, also
 * {@code lanes} side by side per block. Rows past the last multiple of {@code lanes} are padded with
 * zero quants and scales.
 *
 * <p>Why: read in place, the ggml layout (34-byte blocks, an fp16 scale in front of each) keeps bounds
 * checks and scale conversions in the inner loop, and a prefill tile has to reduce across lanes at the
 * end; in panels both decode and prefill are plain broadcast-FMA loops with the result already a
 * vector of consecutive outputs (LIMITS.md measured ~2x for prefill). The copy lives on the heap, so the
 * mapped file's pages are no longer touched after packing.
 */
final class PackedQ8_0 implements PanelWeights {

    static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    private final int rows;
    private final int columns;
    private final int lanes;
    private final byte[] quants;
    private final float[] scales;

    private PackedQ8_0(int rows, int columns, int lanes, byte[] quants, float[] scales) {
        this.rows = rows;
        this.columns = columns;
        this.lanes = lanes;
        this.quants = quants;
        this.scales = scales;
    }

    /**
     * Allocates the panels for {@code weight} (Q8_0); fill them with {@link #packPanels}, which threads may
     * call for disjoint panel ranges.
     */
    static PackedQ8_0 allocate(WeightTensor weight, int lanes) {
        if (weight.type() != GgmlType.Q8_0) {
            throw new IllegalArgumentException("PackedQ8_0 packs Q8_0 weights, not " + weight.type());
        }
        int rows = weight.rows();
        int columns = weight.columns();
        int panels = Math.ceilDiv(rows, lanes);
        long quantCount = (long) panels * lanes * columns;
        if (quantCount > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a Q8_0 tensor of " + rows + " x " + columns
                    + " is too large for one heap array");
        }
        return new PackedQ8_0(rows, columns, lanes, new byte[(int) quantCount],
                new float[panels * (columns / BLOCK) * lanes]);
    }

    /** Repacks {@code weight} on the calling thread (tests; the backend packs panel ranges in parallel). */
    static PackedQ8_0 pack(WeightTensor weight, int lanes) {
        PackedQ8_0 packed = allocate(weight, lanes);
        packed.packPanels(weight, 0, packed.panels());
        return packed;
    }

    @Override
    public void packPanels(WeightTensor weight, int firstPanel, int endPanel) {
        int blocks = columns / BLOCK;
        long rowBytes = weight.rowBytes();
        byte[] row = new byte[(int) rowBytes];
        for (int r = firstPanel * lanes; r < Math.min(rows, endPanel * lanes); r++) {
            // One bulk copy per row, then plain array reads: per-byte segment reads made packing take seconds.
            MemorySegment.copy(weight.data(), ValueLayout.JAVA_BYTE, r * rowBytes, row, 0, row.length);
            int lane = r % lanes;
            int panelBlock = (r / lanes) * blocks;
            for (int b = 0; b < blocks; b++, panelBlock++) {
                int block = b * BLOCK_BYTES;
                short half = (short) ((row[block] & 0xFF) | (row[block + 1] << 8));
                scales[panelBlock * lanes + lane] = Float.float16ToFloat(half);
                int base = panelBlock * BLOCK * lanes + lane;
                for (int k = 0; k < BLOCK; k++) {
                    quants[base + k * lanes] = row[block + 2 + k];
                }
            }
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    @Override
    public int lanes() {
        return lanes;
    }

    @Override
    public long panelBytes() {
        return (long) lanes * columns + (long) (columns / BLOCK) * lanes * Float.BYTES;
    }

    byte[] quants() {
        return quants;
    }

    float[] scales() {
        return scales;
    }

    @Override
    public float weight(int row, int column) {
        int blocks = columns / BLOCK;
        int panelBlock = (row / lanes) * blocks + column / BLOCK;
        int lane = row % lanes;
        return scales[panelBlock * lanes + lane] * quants[(panelBlock * BLOCK + column % BLOCK) * lanes + lane];
    }
}
