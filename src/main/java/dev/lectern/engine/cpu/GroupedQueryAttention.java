package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.kv.KvDataType;

/**
 * Causal grouped-query attention over a {@link KvCache}, flash-style: the cached positions are visited a
 * tile of {@value #TILE_POSITIONS} positions (whole storage blocks) at a time, and each query keeps a running maximum, sum and weighted sum of values
 * (online softmax), so no score row or widened copy of the whole context is ever built.
 *
 * <p>A task is one key/value head and a block of query rows: it widens its head's slice of a tile's keys
 * and values to floats once (a small, cache-resident copy) and every query row and query head of the
 * group uses it. Decoding one token therefore reads each cached half once per layer. A prefill chunk
 * takes blocks as large as still gives every thread a few tasks, since each block widens the whole
 * visible context again (with blocks of 16 rows, widening took most of a 2048-token prefill's attention).
 */
final class GroupedQueryAttention {

    /**
     * Query rows per task, at least and at most: each task widens the visible context once, but its
     * running state grows with its rows (measured: 64 rows beat 16 and 256 on pp512 and pp2048).
     */
    private static final int MIN_ROWS_PER_TASK = 16;
    private static final int MAX_ROWS_PER_TASK = 64;
    /** Tasks per thread wanted, so that a thread slowed by a neighbour is evened out. */
    private static final int TASKS_PER_THREAD = 4;
    /**
     * Positions per tile, rounded up to whole cache blocks. Measured on pp512/pp2048: 256-position tiles
     * were slower than 64 (the widened and transposed tile no longer stays in L1).
     */
    private static final int TILE_POSITIONS = 64;
    /** Query heads per task from which scores are computed against a transposed key tile. */
    private static final int TRANSPOSE_FROM_STATES = 8;

    /**
     * Query rows up to which a sequence runs on the native decode kernel (F16 or Q8_0 cache), where it loads: decoding
     * (one row, or a few for speculative steps). It widens halves with one instruction per 16, where the
     * Vector API needs about ten, and widening dominated decoding at long context. Larger prefill chunks
     * stay here, where each widened tile serves many query rows.
     */
    private static final int NATIVE_MAX_ROWS = 4;

    private final RowOps ops;
    private final WorkerPool pool;
    private final Scratch[] scratch;
    private final NativeKernels nativeKernels;
    /**
     * Positions per share of a natively decoded row, at least: the cached context is split across threads
     * (flash decoding), each share leaves a partial softmax state, and the caller merges them.
     */
    private static final int NATIVE_MIN_POSITIONS_PER_SHARE = 256;
    /** Shares of a shared prefix start at multiples of the kernel's tile (ROW_TILE positions). */
    private static final int NATIVE_SHARE_ALIGNMENT = 64;
    /**
     * Positions two or more decoding sequences must share, at least, to attend to them together: below that
     * the shared part costs less than the extra task and merge.
     */
    private static final int NATIVE_MIN_SHARED_POSITIONS = 256;
    /** Block addresses per decoding sequence of a call, reused between calls. */
    private long[][] keyAddresses = new long[0][];
    private long[][] valueAddresses = new long[0][];
    /** Per native task: its sequence (index in the call), batch row, and share of positions begin..end-1. */
    private int[] taskSequences = new int[0];
    private int[] taskRows = new int[0];
    private int[] taskBegins = new int[0];
    private int[] taskEnds = new int[0];
    /** Per native task: where its softmax states start (heads of them a row). */
    private int[] taskStates = new int[0];
    private float[] shareAccumulated = new float[0];
    private float[] shareMaxima = new float[0];
    private float[] shareSums = new float[0];

    /** One thread's buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        float[] keys = new float[0];
        float[] keysTransposed = new float[0];
        float[] values = new float[0];
        float[] scores = new float[0];
        float[] position = new float[0];
        float[] sums = new float[0];
        float[] maxima = new float[0];
        float[] weighted = new float[0];
        /** The native prefill kernel's widened tiles and running states. */
        float[] nativeRows = new float[0];

        void ensure(int tile, int stride, int headDim, int width, int states) {
            if (keys.length < tile * headDim || keysTransposed.length < stride * headDim) {
                keys = new float[tile * headDim];
                keysTransposed = new float[stride * headDim];
                values = new float[tile * headDim];
                scores = new float[stride];
            }
            if (position.length < width) {
                position = new float[width];
            }
            if (sums.length < states) {
                sums = new float[states];
                maxima = new float[states];
            }
            if (weighted.length < states * headDim) {
                weighted = new float[states * headDim];
            }
        }
    }

    GroupedQueryAttention(RowOps ops, WorkerPool pool, NativeKernels nativeKernels) {
        this.ops = ops;
        this.pool = pool;
        this.nativeKernels = nativeKernels;
        this.scratch = new Scratch[pool.threads()];
        Arrays.setAll(scratch, i -> new Scratch());
    }

    /**
     * Attends the rows of every sequence of the batch. Sequences with a decoding row or a few (over an F16
     * cache, where the kernels load) share one native pass split by row and share of context; each larger
     * prefill chunk takes the tiled path on its own. The choice is per sequence, not from the batch's total
     * rows: a decoding user batched with another user's prefill chunk still decodes natively.
     */
    void attend(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences, int layer,
                float[] output) {
        List<SequenceRows> decoding = new ArrayList<>(sequences.size());
        for (SequenceRows sequence : sequences) {
            KvCache cache = sequence.cache();
            int width = cache.width();
            if (width % headDim != 0 || heads % (width / headDim) != 0) {
                throw new IllegalArgumentException("the cache holds " + width + " values per position, which is not a"
                        + " whole number of " + headDim + "-value key/value heads dividing " + heads + " query heads");
            }
            if (runsNatively(sequence, heads, headDim, layer)) {
                decoding.add(sequence);
            } else {
                attendTiled(queries, sequence, positions, heads, headDim, layer, output);
            }
        }
        if (!decoding.isEmpty()) {
            attendNatively(queries, positions, heads, headDim, decoding, layer, output);
        }
    }

    /** A decoding sequence over a cache the native kernels read. */
    private boolean runsNatively(SequenceRows sequence, int heads, int headDim, int layer) {
        return sequence.rows() <= NATIVE_MAX_ROWS && nativeCache(sequence.cache(), heads, headDim, layer);
    }

    /** The native kernels read the cache's blocks by address: only off-heap blocks have one. */
    private boolean nativeCache(KvCache cache, int heads, int headDim, int layer) {
        return nativeKernels != null && NativeKernels.attends(cache.dataType(), heads, headDim)
                && cache.keyBlock(layer, 0).isNative() && cache.valueBlock(layer, 0).isNative();
    }

    private void attendTiled(float[] queries, SequenceRows sequence, int[] positions, int heads, int headDim, int layer,
                             float[] output) {
        KvCache cache = sequence.cache();
        int kvHeads = cache.width() / headDim;
        int rows = sequence.rows();
        int firstRow = sequence.firstRow();
        int rowBlocks = Math.ceilDiv(rows, (int) Math.clamp((long) rows * kvHeads
                / ((long) pool.threads() * TASKS_PER_THREAD), MIN_ROWS_PER_TASK, MAX_ROWS_PER_TASK));
        // Blocks of even size: a 76-token question at depth 8K took blocks of 64 and 12 rows, the 64-row tasks
        // then set the pace while the others idled.
        int rowsPerTask = Math.ceilDiv(rows, rowBlocks);
        if (nativeCache(cache, heads, headDim, layer)) {
            attendRowsNatively(queries, sequence, positions, heads, headDim, rowsPerTask, layer, output);
            return;
        }
        pool.run(kvHeads * rowBlocks, (task, worker) -> {
            int kvHead = task % kvHeads;
            int from = firstRow + (task / kvHeads) * rowsPerTask;
            attendBlock(queries, Math.min(firstRow + rows, from + rowsPerTask), from, positions, heads, headDim,
                    kvHead, kvHeads, cache, layer, output, scratch[worker]);
        });
    }

    /**
     * Each row's visible context is cut into shares of whole cached rows, one task each, and the tasks of
     * every decoding sequence run in one pass over the pool (eight decoding users keep both cores busy even
     * at short contexts, where each has a single share); the kernel reads the blocks by address and leaves
     * each share's softmax state, which are merged here.
     *
     * <p>Sequences whose leading cached blocks are the same blocks (users who started from one document's
     * prefix) attend to that part together, cascade-style: one task per share of the shared positions takes
     * the rows of all of them, so each shared block is read once per step instead of once per sequence (at
     * depth 8K the document's keys and values outweigh the model's weights, and four users decoding over one
     * document ran at 1.09x one user's rate). Each row then attends on its own to its positions past the shared
     * part, and its states of both are merged.
     */
    private void attendNatively(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences,
                                int layer, float[] output) {
        int count = sequences.size();
        if (keyAddresses.length < count) {
            keyAddresses = Arrays.copyOf(keyAddresses, Math.max(count, 2 * keyAddresses.length));
            valueAddresses = Arrays.copyOf(valueAddresses, keyAddresses.length);
        }
        int[] blocksOf = new int[count];
        int[] visibleOf = new int[count];
        int[] leastVisibleOf = new int[count];
        for (int s = 0; s < count; s++) {
            SequenceRows sequence = sequences.get(s);
            KvCache cache = sequence.cache();
            visibleOf[s] = visiblePositions(sequence, positions);
            leastVisibleOf[s] = Integer.MAX_VALUE;
            for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
                leastVisibleOf[s] = Math.min(leastVisibleOf[s], positions[r] + 1);
            }
            int blocks = Math.ceilDiv(visibleOf[s], cache.blockSize());
            blocksOf[s] = blocks;
            if (keyAddresses[s] == null || keyAddresses[s].length < blocks) {
                keyAddresses[s] = new long[Math.max(blocks, 64)];
                valueAddresses[s] = new long[keyAddresses[s].length];
            }
            for (int b = 0; b < blocks; b++) {
                keyAddresses[s][b] = cache.keyBlock(layer, b).address();
                valueAddresses[s][b] = cache.valueBlock(layer, b).address();
            }
        }
        SharedPrefixes shared = SharedPrefixes.find(sequences, keyAddresses, valueAddresses, blocksOf, leastVisibleOf,
                NATIVE_MIN_SHARED_POSITIONS);
        int maxShares = pool.threads() * 2;
        // Tasks: first each group's shares of its shared positions, then each row's shares of the rest.
        List<int[]> groupShares = new ArrayList<>();
        int tasks = 0;
        for (int g = 0; g < shared.groups(); g++) {
            int end = shared.end(g);
            int shares = (int) Math.clamp(end / NATIVE_MIN_POSITIONS_PER_SHARE, 1, maxShares);
            int perShare = Math.ceilDiv(Math.ceilDiv(end, shares), NATIVE_SHARE_ALIGNMENT) * NATIVE_SHARE_ALIGNMENT;
            for (int begin = 0; begin < end; begin += perShare) {
                groupShares.add(new int[] {g, begin, Math.min(end, begin + perShare)});
                tasks++;
            }
        }
        for (int s = 0; s < count; s++) {
            int begin = shared.groupOf(s) >= 0 ? shared.end(shared.groupOf(s)) : 0;
            tasks += sequences.get(s).rows() * (int) Math.clamp((visibleOf[s] - begin) / NATIVE_MIN_POSITIONS_PER_SHARE,
                    1, maxShares);
        }
        if (taskRows.length < tasks) {
            taskRows = new int[Math.max(tasks, 2 * taskRows.length)];
            taskSequences = new int[taskRows.length];
            taskBegins = new int[taskRows.length];
            taskEnds = new int[taskRows.length];
            taskStates = new int[taskRows.length];
        }
        int task = 0;
        int states = 0;
        // Per row of the batch that decodes here: where its states are, to merge.
        int[][] rowStates = new int[positions.length][];
        int[] rowStateCount = new int[positions.length];
        for (int[] share : groupShares) {
            int g = share[0];
            taskSequences[task] = -1 - g;
            taskRows[task] = -1;
            taskBegins[task] = share[1];
            taskEnds[task] = share[2];
            taskStates[task] = states;
            int[] rows = shared.rows(g);
            for (int i = 0; i < rows.length; i++) {
                addState(rowStates, rowStateCount, rows[i], states + i * heads);
            }
            states += rows.length * heads;
            task++;
        }
        for (int s = 0; s < count; s++) {
            SequenceRows sequence = sequences.get(s);
            int begin = shared.groupOf(s) >= 0 ? shared.end(shared.groupOf(s)) : 0;
            int shares = (int) Math.clamp((visibleOf[s] - begin) / NATIVE_MIN_POSITIONS_PER_SHARE, 1, maxShares);
            int perShare = Math.ceilDiv(visibleOf[s] - begin, shares);
            for (int row = sequence.firstRow(); row < sequence.endRow(); row++) {
                for (int share = 0; share < shares; share++) {
                    taskSequences[task] = s;
                    taskRows[task] = row;
                    taskBegins[task] = begin + share * perShare;
                    taskEnds[task] = Math.min(positions[row] + 1, begin + (share + 1) * perShare);
                    taskStates[task] = states;
                    addState(rowStates, rowStateCount, row, states);
                    states += heads;
                    task++;
                }
            }
        }
        if (shareMaxima.length < states) {
            shareMaxima = new float[states];
            shareSums = new float[states];
        }
        if (shareAccumulated.length < states * headDim) {
            shareAccumulated = new float[states * headDim];
        }
        float[] accumulated = shareAccumulated;
        float[] maxima = shareMaxima;
        float[] sums = shareSums;
        int[] rowOf = taskRows;
        int[] sequenceOf = taskSequences;
        int[] beginOf = taskBegins;
        int[] endOf = taskEnds;
        int[] stateOf = taskStates;
        long[][] keys = keyAddresses;
        long[][] values = valueAddresses;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        pool.run(tasks, (t, worker) -> {
            int state = stateOf[t];
            int begin = beginOf[t];
            int end = endOf[t];
            if (sequenceOf[t] < 0) {
                int g = -1 - sequenceOf[t];
                int leader = shared.leader(g);
                KvCache cache = sequences.get(leader).cache();
                int[] rows = shared.rows(g);
                int group = heads / (cache.width() / headDim);
                Scratch s = scratch[worker];
                int needed = NativeKernels.attendSharedScratch(heads, group, headDim, rows.length);
                if (s.nativeRows.length < needed) {
                    s.nativeRows = new float[needed];
                }
                nativeKernels.attendShared(cache.dataType(), keys[leader], values[leader], cache.blockSize(), heads,
                        group, headDim, queries, rows, rows.length, begin, end, scale, accumulated, maxima, sums, state,
                        s.nativeRows);
            } else if (end > begin) {
                KvCache cache = sequences.get(sequenceOf[t]).cache();
                int group = heads / (cache.width() / headDim);
                nativeKernels.attend(cache.dataType(), keys[sequenceOf[t]], values[sequenceOf[t]], cache.blockSize(),
                        heads, group, headDim, queries, rowOf[t] * heads * headDim, begin, end, scale, accumulated,
                        maxima, sums, state);
            } else {
                // This row sees fewer positions than the longest one of its sequence: its share is empty.
                Arrays.fill(maxima, state, state + heads, Float.NEGATIVE_INFINITY);
                Arrays.fill(sums, state, state + heads, 0f);
            }
        });
        for (int row = 0; row < positions.length; row++) {
            if (rowStateCount[row] > 0) {
                mergeStates(rowStates[row], rowStateCount[row], row, heads, headDim, accumulated, maxima, sums, output);
            }
        }
    }

    private static void addState(int[][] rowStates, int[] rowStateCount, int row, int state) {
        if (rowStates[row] == null) {
            rowStates[row] = new int[4];
        } else if (rowStateCount[row] == rowStates[row].length) {
            rowStates[row] = Arrays.copyOf(rowStates[row], 2 * rowStates[row].length);
        }
        rowStates[row][rowStateCount[row]++] = state;
    }

    private static int visiblePositions(SequenceRows sequence, int[] positions) {
        int visible = 0;
        for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
            visible = Math.max(visible, positions[r] + 1);
        }
        return visible;
    }

    /**
     * Combines one row's partial softmax states (per head h, at {@code bases[i] + h} for i below
     * {@code count}: its shares of the context) into the row's output.
     */
    private static void mergeStates(int[] bases, int count, int row, int heads, int headDim, float[] accumulated,
                                    float[] maxima, float[] sums, float[] output) {
        for (int h = 0; h < heads; h++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < count; i++) {
                max = Math.max(max, maxima[bases[i] + h]);
            }
            int out = (row * heads + h) * headDim;
            Arrays.fill(output, out, out + headDim, 0f);
            float total = 0;
            for (int i = 0; i < count; i++) {
                int state = bases[i] + h;
                if (sums[state] == 0) {
                    continue;
                }
                float weight = (float) Math.exp(maxima[state] - max);
                total += sums[state] * weight;
                for (int v = 0; v < headDim; v++) {
                    output[out + v] += weight * accumulated[state * headDim + v];
                }
            }
            float inverse = 1f / total;
            for (int v = 0; v < headDim; v++) {
                output[out + v] *= inverse;
            }
        }
    }

    /**
     * A prefill chunk natively: one task per key/value head and block of rows, as {@link #attendBlock} splits
     * it, each reading the cache's blocks by address (the kernel widens a 64-position tile once for all its rows
     * and the group's query heads).
     */
    private void attendRowsNatively(float[] queries, SequenceRows sequence, int[] positions, int heads, int headDim,
                                    int rowsPerTask, int layer, float[] output) {
        KvCache cache = sequence.cache();
        int kvHeads = cache.width() / headDim;
        int group = heads / kvHeads;
        int blocks = Math.ceilDiv(visiblePositions(sequence, positions), cache.blockSize());
        long[] keys = new long[blocks];
        long[] values = new long[blocks];
        for (int b = 0; b < blocks; b++) {
            keys[b] = cache.keyBlock(layer, b).address();
            values[b] = cache.valueBlock(layer, b).address();
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int scratchFloats = NativeKernels.attendRowsScratch(headDim, rowsPerTask, group);
        int rows = sequence.rows();
        int firstRow = sequence.firstRow();
        int rowBlocks = Math.ceilDiv(rows, rowsPerTask);
        pool.run(kvHeads * rowBlocks, (task, worker) -> {
            Scratch s = scratch[worker];
            if (s.nativeRows.length < scratchFloats) {
                s.nativeRows = new float[scratchFloats];
            }
            int from = firstRow + (task / kvHeads) * rowsPerTask;
            nativeKernels.attendRows(cache.dataType(), keys, values, cache.blockSize(), heads, group, headDim,
                    task % kvHeads, queries, positions, from, Math.min(firstRow + rows, from + rowsPerTask), scale,
                    output, s.nativeRows);
        });
    }

    private void attendBlock(float[] queries, int endRow, int firstRow, int[] positions, int heads, int headDim,
                             int kvHead, int kvHeads, KvCache cache, int layer, float[] output, Scratch s) {
        int group = heads / kvHeads;
        int tile = Math.ceilDiv(TILE_POSITIONS, cache.blockSize()) * cache.blockSize();
        // Rows of the transposed key tile hold whole vectors: the scores are computed a vector at a time.
        int stride = Math.ceilDiv(tile, ops.lanes()) * ops.lanes();
        int states = (endRow - firstRow) * group;
        s.ensure(tile, stride, headDim, cache.width(), states);
        // Scoring against a transposed tile needs no lane sums but costs a transposition per tile: worth it
        // when many query heads share the tile (prefill), not for the one or two of a decoding step.
        boolean transpose = states >= TRANSPOSE_FROM_STATES;
        Arrays.fill(s.maxima, 0, states, Float.NEGATIVE_INFINITY);
        Arrays.fill(s.sums, 0, states, 0f);
        Arrays.fill(s.weighted, 0, states * headDim, 0f);
        int visible = 0;
        for (int r = firstRow; r < endRow; r++) {
            visible = Math.max(visible, positions[r] + 1);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int start = 0; start < visible; start += tile) {
            int count = Math.min(tile, visible - start);
            readSlices(cache, layer, start, count, kvHead * headDim, headDim, s);
            for (int j = 0; transpose && j < count; j++) {
                for (int i = 0; i < headDim; i++) {
                    s.keysTransposed[i * stride + j] = s.keys[j * headDim + i];
                }
            }
            for (int r = firstRow; r < endRow; r++) {
                int seen = Math.min(count, positions[r] + 1 - start);
                if (seen <= 0) {
                    continue;
                }
                for (int g = 0; g < group; g++) {
                    int state = (r - firstRow) * group + g;
                    int query = (r * heads + kvHead * group + g) * headDim;
                    if (transpose) {
                        ops.scoresTransposed(queries, query, s.keysTransposed, stride, seen, headDim, scale, s.scores);
                    } else {
                        ops.scores(queries, query, s.keys, seen, headDim, scale, s.scores);
                    }
                    float tileMax = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < seen; j++) {
                        tileMax = Math.max(tileMax, s.scores[j]);
                    }
                    float previous = s.maxima[state];
                    float max = Math.max(previous, tileMax);
                    float decay = previous == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(previous - max);
                    float sum = ops.expShifted(s.scores, seen, max);
                    s.maxima[state] = max;
                    s.sums[state] = s.sums[state] * decay + sum;
                    ops.accumulateWeighted(s.weighted, state * headDim, decay, s.scores, seen, s.values, headDim);
                }
            }
        }
        for (int r = firstRow; r < endRow; r++) {
            for (int g = 0; g < group; g++) {
                int state = (r - firstRow) * group + g;
                float inverse = 1f / s.sums[state];
                int out = (r * heads + kvHead * group + g) * headDim;
                for (int i = 0; i < headDim; i++) {
                    output[out + i] = s.weighted[state * headDim + i] * inverse;
                }
            }
        }
    }

    /** Widens one head's keys and values of positions start..start+count-1 into s, block by block. */
    private void readSlices(KvCache cache, int layer, int start, int count, int from, int length, Scratch s) {
        int blockSize = cache.blockSize();
        for (int done = 0; done < count; ) {
            int position = start + done;
            int inBlock = Math.min(count - done, blockSize - position % blockSize);
            readBlockSlices(cache, layer, position, inBlock, from, length, s, done);
            done += inBlock;
        }
    }

    /** Positions start..start+count-1, all in one storage block, into tile rows offset.. of s. */
    private void readBlockSlices(KvCache cache, int layer, int start, int count, int from, int length, Scratch s,
                                 int offset) {
        int block = start / cache.blockSize();
        int width = cache.width();
        int firstRow = start % cache.blockSize();
        if (cache.dataType() == KvDataType.F16) {
            MemorySegment keys = cache.keyBlock(layer, block);
            MemorySegment values = cache.valueBlock(layer, block);
            long rowBytes = 2L * width;
            for (int j = 0; j < count; j++) {
                long at = (firstRow + j) * rowBytes + 2L * from;
                ops.widenHalves(keys, at, s.keys, (offset + j) * length, length);
                ops.widenHalves(values, at, s.values, (offset + j) * length, length);
            }
        } else if (from % GgmlType.Q8_0.blockSize() == 0 && length % GgmlType.Q8_0.blockSize() == 0) {
            MemorySegment keys = cache.keyBlock(layer, block);
            MemorySegment values = cache.valueBlock(layer, block);
            long rowBytes = GgmlType.Q8_0.rowBytes(width);
            for (int j = 0; j < count; j++) {
                long at = (firstRow + j) * rowBytes + GgmlType.Q8_0.rowBytes(from);
                ops.widenQ8_0(keys, at, s.keys, (offset + j) * length, length);
                ops.widenQ8_0(values, at, s.values, (offset + j) * length, length);
            }
        } else {
            for (int j = 0; j < count; j++) {
                cache.readKey(layer, start + j, s.position, 0);
                System.arraycopy(s.position, from, s.keys, (offset + j) * length, length);
                cache.readValue(layer, start + j, s.position, 0);
                System.arraycopy(s.position, from, s.values, (offset + j) * length, length);
            }
        }
    }
}
