package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * Signed 8-bit quants with one float scale per group of columns, in row panels ({@link PanelWeights}):
 * for each group and each column k of it, the {@code lanes} rows' quants sit side by side, and the
 * group's scales too. Two ggml types become this layout:
 * <ul>
 * <li>Q8_0: groups of 32, the fp16 block scale widened to a float; the same bytes as ggml's blocks.
 * <li>Q6_K: groups of 16 (its sub-blocks), q − 32 as a byte and d · scale as a float. That is 10 bits a
 * weight against ggml's 6.56, but every Q6_K product becomes as cheap as a Q8_0 one: the 6-bit codes
 * split over two arrays cost several times more to decode in the Vector API than the extra bytes cost to
 * read (a q4_k_m model keeps its largest matrix, the output head, in Q6_K).
 * </ul>
 * The heap copy means the mapped file's pages are no longer touched after packing.
 */
final class PackedInt8 implements PanelWeights {

    private static final int Q8_0_BLOCK_BYTES = 34;
    private static final int Q6_K_BLOCK = 256;
    private static final int Q6_K_BLOCK_BYTES = 210;

    private final GgmlType type;
    private final int rows;
    private final int columns;
    private final int lanes;
    private final int group;
    private final byte[] quants;
    private final float[] scales;

    private PackedInt8(GgmlType type, int rows, int columns, int lanes, int group) {
        this.type = type;
        this.rows = rows;
        this.columns = columns;
        this.lanes = lanes;
        this.group = group;
        int panels = Math.ceilDiv(rows, lanes);
        long quantCount = (long) panels * lanes * columns;
        if (quantCount > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a " + type + " tensor of " + rows + " x " + columns
                    + " is too large for one heap array");
        }
        this.quants = new byte[(int) quantCount];
        this.scales = new float[panels * (columns / group) * lanes];
    }

    /** Allocates the panels for {@code weight} (Q8_0 or Q6_K); fill them with {@link #packPanels}. */
    static PackedInt8 allocate(WeightTensor weight, int lanes) {
        return switch (weight.type()) {
            case Q8_0 -> new PackedInt8(GgmlType.Q8_0, weight.rows(), weight.columns(), lanes, 32);
            case Q6_K -> new PackedInt8(GgmlType.Q6_K, weight.rows(), weight.columns(), lanes, 16);
            default -> throw new IllegalArgumentException("PackedInt8 packs Q8_0 and Q6_K weights, not " + weight.type());
        };
    }

    /** Repacks {@code weight} on the calling thread (tests; the backend packs panel ranges in parallel). */
    static PackedInt8 pack(WeightTensor weight, int lanes) {
        PackedInt8 packed = allocate(weight, lanes);
        packed.packPanels(weight, 0, packed.panels());
        return packed;
    }

    @Override
    public void packPanels(WeightTensor weight, int firstPanel, int endPanel) {
        long rowBytes = weight.rowBytes();
        byte[] row = new byte[(int) rowBytes];
        MemorySegment view = MemorySegment.ofArray(row);
        for (int r = firstPanel * lanes; r < Math.min(rows, endPanel * lanes); r++) {
            // One bulk copy per row, then plain array reads: per-byte segment reads made packing take seconds.
            MemorySegment.copy(weight.data(), ValueLayout.JAVA_BYTE, r * rowBytes, row, 0, row.length);
            if (type == GgmlType.Q8_0) {
                packQ8_0Row(row, view, r);
            } else {
                packQ6_KRow(row, view, r);
            }
        }
    }

    private void packQ8_0Row(byte[] row, MemorySegment view, int r) {
        int groups = columns / group;
        int lane = r % lanes;
        int panelGroup = (r / lanes) * groups;
        for (int b = 0; b < groups; b++, panelGroup++) {
            int block = b * Q8_0_BLOCK_BYTES;
            scales[panelGroup * lanes + lane] = BlockReads.f16(view, block);
            int base = panelGroup * group * lanes + lane;
            for (int k = 0; k < group; k++) {
                quants[base + k * lanes] = row[block + 2 + k];
            }
        }
    }

    /** ggml's Q6_K: ql (128 bytes of low nibbles), qh (64 bytes of 2-bit pairs), 16 int8 scales, fp16 d. */
    private void packQ6_KRow(byte[] row, MemorySegment view, int r) {
        int groups = columns / group;
        int lane = r % lanes;
        int firstGroup = (r / lanes) * groups;
        for (int b = 0; b < columns / Q6_K_BLOCK; b++) {
            int block = b * Q6_K_BLOCK_BYTES;
            float d = BlockReads.f16(view, block + 208);
            for (int s = 0; s < 16; s++) {
                scales[(firstGroup + b * 16 + s) * lanes + lane] = d * row[block + 192 + s];
            }
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    int low = row[block + 64 * n + l] & 0xFF;
                    int lowNext = row[block + 64 * n + 32 + l] & 0xFF;
                    int high = row[block + 128 + 32 * n + l] & 0xFF;
                    put(firstGroup, lane, b * Q6_K_BLOCK + 128 * n + l, ((low & 0x0F) | ((high & 0x03) << 4)) - 32);
                    put(firstGroup, lane, b * Q6_K_BLOCK + 128 * n + 32 + l,
                            ((lowNext & 0x0F) | (((high >>> 2) & 0x03) << 4)) - 32);
                    put(firstGroup, lane, b * Q6_K_BLOCK + 128 * n + 64 + l, ((low >>> 4) | (((high >>> 4) & 0x03) << 4)) - 32);
                    put(firstGroup, lane, b * Q6_K_BLOCK + 128 * n + 96 + l,
                            ((lowNext >>> 4) | (((high >>> 6) & 0x03) << 4)) - 32);
                }
            }
        }
    }

    private void put(int firstGroup, int lane, int column, int q) {
        quants[((firstGroup + column / group) * group + column % group) * lanes + lane] = (byte) q;
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

    /** The ggml type these panels were packed from: Q8_0 or Q6_K. */
    GgmlType type() {
        return type;
    }

    /** Columns sharing one scale: 32 for Q8_0, 16 for Q6_K. */
    int group() {
        return group;
    }

    @Override
    public long panelBytes() {
        return (long) lanes * columns + (long) (columns / group) * lanes * Float.BYTES;
    }

    byte[] quants() {
        return quants;
    }

    float[] scales() {
        return scales;
    }

    @Override
    public float weight(int row, int column) {
        int panelGroup = (row / lanes) * (columns / group) + column / group;
        int lane = row % lanes;
        return scales[panelGroup * lanes + lane] * quants[(panelGroup * group + column % group) * lanes + lane];
    }
}
