package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;

import dev.lectern.engine.gguf.GgmlType;

/**
 * A weight matrix repacked at load for the native kernels: groups of {@code rowsPerGroup} consecutive rows
 * (16 for AVX-512, 8 for AVX2) interleaved block by block, 4 columns of every row of a group side by side,
 * scales unpacked to a byte each (the layouts are specified in {@code kernels/cpu/lectern_cpu.h}). One
 * vector then holds 4 columns of a whole group, one broadcast activation word multiplies all its rows, and
 * each row's sum stays in its own lane: the decode kernels were compute-bound on ggml's row-by-row blocks.
 *
 * <p>Off the Java heap, in memory the native library allocates (huge pages where the OS gives them; freed
 * when this object is collected), so the collector never copies or zeroes it; the same bytes as the ggml
 * blocks for Q6_K and Q8_0, 2.8% more for Q4_K.
 */
final class InterleavedWeights {

    private final GgmlType type;
    private final int rows;
    private final int columns;
    private final int rowsPerGroup;
    private final long blockBytes;
    private final MemorySegment data;

    /** Room for the matrix, from {@code allocator} (bytes → segment); the packers fill every byte. */
    InterleavedWeights(GgmlType type, int rows, int columns, int rowsPerGroup, long blockBytes,
                       java.util.function.LongFunction<MemorySegment> allocator) {
        this.type = type;
        this.rows = rows;
        this.columns = columns;
        this.rowsPerGroup = rowsPerGroup;
        this.blockBytes = blockBytes;
        this.data = allocator.apply(groups() * groupBytes());
    }

    GgmlType type() {
        return type;
    }

    int rows() {
        return rows;
    }

    int columns() {
        return columns;
    }

    int rowsPerGroup() {
        return rowsPerGroup;
    }

    int groups() {
        return Math.ceilDiv(rows, rowsPerGroup);
    }

    /** Bytes of one group of rows: what a thread streams per group. */
    long groupBytes() {
        return blockBytes * (columns / type.blockSize());
    }

    MemorySegment data() {
        return data;
    }
}
