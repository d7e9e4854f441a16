package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * A Q4_K weight in row panels ({@link PanelWeights}), still 4 bits a weight: per panel, 256-column
 * super-block and column pair, the {@code lanes} rows' quant bytes sit side by side, each byte holding
 * ggml's nibble pair (low nibble: column 64c + k, high nibble: column 64c + 32 + k, for chunk c and k
 * below 32). Each super-block's d and dmin become floats and its 6-bit sub-block scale and min codes
 * bytes, {@code lanes} side by side, so a kernel builds a sub-block's step (d · scale) and shift
 * (dmin · min) as vectors with one load each. 152 bytes per 256 weights, against ggml's 144.
 */
final class PackedQ4_K implements PanelWeights {

    static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 144;
    private static final int QS = 16;

    private final int rows;
    private final int columns;
    private final int lanes;
    private final byte[] quants;
    private final float[] d;
    private final float[] dmin;
    private final byte[] scaleCodes;
    private final byte[] minCodes;

    private PackedQ4_K(int rows, int columns, int lanes) {
        this.rows = rows;
        this.columns = columns;
        this.lanes = lanes;
        int panelBlocks = Math.ceilDiv(rows, lanes) * (columns / BLOCK);
        long quantCount = (long) panelBlocks * 128 * lanes;
        if (quantCount > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a Q4_K tensor of " + rows + " x " + columns
                    + " is too large for one heap array");
        }
        this.quants = new byte[(int) quantCount];
        this.d = new float[panelBlocks * lanes];
        this.dmin = new float[panelBlocks * lanes];
        this.scaleCodes = new byte[panelBlocks * 8 * lanes];
        this.minCodes = new byte[panelBlocks * 8 * lanes];
    }

    /** Allocates the panels for {@code weight} (Q4_K); fill them with {@link #packPanels}. */
    static PackedQ4_K allocate(WeightTensor weight, int lanes) {
        if (weight.type() != GgmlType.Q4_K) {
            throw new IllegalArgumentException("PackedQ4_K packs Q4_K weights, not " + weight.type());
        }
        return new PackedQ4_K(weight.rows(), weight.columns(), lanes);
    }

    /** Repacks {@code weight} on the calling thread (tests; the backend packs panel ranges in parallel). */
    static PackedQ4_K pack(WeightTensor weight, int lanes) {
        PackedQ4_K packed = allocate(weight, lanes);
        packed.packPanels(weight, 0, packed.panels());
        return packed;
    }

    @Override
    public void packPanels(WeightTensor weight, int firstPanel, int endPanel) {
        int blocks = columns / BLOCK;
        long rowBytes = weight.rowBytes();
        byte[] row = new byte[(int) rowBytes];
        MemorySegment view = MemorySegment.ofArray(row);
        for (int r = firstPanel * lanes; r < Math.min(rows, endPanel * lanes); r++) {
            MemorySegment.copy(weight.data(), ValueLayout.JAVA_BYTE, r * rowBytes, row, 0, row.length);
            int lane = r % lanes;
            int panelBlock = (r / lanes) * blocks;
            for (int b = 0; b < blocks; b++, panelBlock++) {
                int block = b * BLOCK_BYTES;
                d[panelBlock * lanes + lane] = BlockReads.f16(view, block);
                dmin[panelBlock * lanes + lane] = BlockReads.f16(view, block + 2);
                for (int s = 0; s < 8; s++) {
                    scaleCodes[(panelBlock * 8 + s) * lanes + lane] = (byte) BlockReads.kScale(view, block + 4, s);
                    minCodes[(panelBlock * 8 + s) * lanes + lane] = (byte) BlockReads.kMin(view, block + 4, s);
                }
                int base = panelBlock * 128 * lanes + lane;
                for (int k = 0; k < 128; k++) {
                    quants[base + k * lanes] = row[block + QS + k];
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
        return (long) lanes * (columns / BLOCK) * (128 + 16 + 8);
    }

    byte[] quants() {
        return quants;
    }

    float[] d() {
        return d;
    }

    float[] dmin() {
        return dmin;
    }

    byte[] scaleCodes() {
        return scaleCodes;
    }

    byte[] minCodes() {
        return minCodes;
    }

    @Override
    public float weight(int row, int column) {
        int panelBlock = (row / lanes) * (columns / BLOCK) + column / BLOCK;
        int lane = row % lanes;
        int inBlock = column % BLOCK;
        int chunk = inBlock / 64;
        boolean high = inBlock % 64 >= 32;
        int subBlock = 2 * chunk + (high ? 1 : 0);
        int packed = quants[(panelBlock * 128 + chunk * 32 + inBlock % 32) * lanes + lane] & 0xFF;
        int q = high ? packed >>> 4 : packed & 0x0F;
        float step = d[panelBlock * lanes + lane] * scaleCodes[(panelBlock * 8 + subBlock) * lanes + lane];
        float shift = dmin[panelBlock * lanes + lane] * minCodes[(panelBlock * 8 + subBlock) * lanes + lane];
        return step * q - shift;
    }
}
