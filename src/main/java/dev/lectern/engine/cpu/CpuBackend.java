package dev.lectern.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.WeakHashMap;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.SequenceRows;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link Backend} for CPUs: native kernels for the CPU's instruction set ({@link NativeKernels},
 * {@link CpuIsa}) where they load, the Vector API for the rest. Where the native kernels load, Q4_K, Q5_K, Q6_K
 * and Q4_0 weights (and Q8_0 on the AVX2 sets) are repacked by {@link #prepare} into row-interleaved groups off the
 * heap ({@link InterleavedWeights}) and multiplied in int8 on inputs rounded as llama.cpp rounds them (the
 * Vector API has no 8-bit multiply-add, and its 4-bit kernels are compute-bound); on AVX-512, Q8_0 weights
 * stay in Vector API panels, multiplied natively in int8 when decoding; decode attention over an F16 cache
 * runs natively. Without native kernels, Q8_0, Q6_K and Q4_K weights are repacked into row panels on the
 * heap ({@link PanelWeights}); other types are read in place as ggml blocks and dequantized in registers
 * (one kernel class per type). Output rows are split across a persistent {@link WorkerPool}, as is attention (by query row and
 * key/value head, or natively by shares of the context). The cheap row operations run on the caller's thread.
 *
 * <p>One caller at a time (the scheduler thread): the pool, the RoPE table and the scratch buffers are
 * shared by all calls. Close it to stop the worker threads (they are daemons, so a forgotten backend
 * does not keep the JVM alive).
 */
public final class CpuBackend implements Backend, AutoCloseable {

    /** Multiply-adds below which splitting a product across threads costs more than it saves. */
    private static final long MIN_CHUNK_WORK = 1 << 15;
    /** Chunks per thread: a few, so a thread slowed by a neighbour on a shared machine is evened out. */
    private static final int CHUNKS_PER_THREAD = 4;
    /**
     * Packed weight bytes one prefill chunk covers: a thread runs every token tile over its chunk, so the
     * chunk should stay in its core's L2 (1 MiB here) next to the activations.
     */
    private static final long PREFILL_CHUNK_BYTES = 256 * 1024;
    /** Bytes of the mapped file one packing task reads before it releases them. */
    private static final long PACK_CHUNK_BYTES = 8L << 20;
    /**
     * Input rows up to which Q8_0 panels are multiplied natively in int8 (AVX-512): decoding, one sequence or a
     * few batched. The kernel's cost grows by a whole pass of int8 products per row, so from 8 rows the float
     * panel kernel, which keeps weights in registers across 8 rows, wins. Measured on qwen3-0.6b q8_0
     * forward steps (Zen 5, 2 threads, same JVM): 4 rows 32 ms native against 55 float, 8 rows 59 against 53.
     */
    private static final int NATIVE_Q8_0_MAX_ROWS = 7;

    private final VectorSpecies<Float> species;
    private final WorkerPool pool;
    private final Map<GgmlType, MatmulKernel> matmuls = new EnumMap<>(GgmlType.class);
    private final PanelMatmul<PackedInt8> packedInt8;
    private final PanelMatmul<PackedQ4_K> packedQ4_K;
    /** Weights repacked by {@link #prepare}; weak keys, so a closed model's copies go with its tensors. */
    private final Map<WeightTensor, PanelWeights> packed = Collections.synchronizedMap(new WeakHashMap<>());
    private final Map<WeightTensor, InterleavedWeights> interleaved = Collections.synchronizedMap(new WeakHashMap<>());
    private final RowOps ops;
    private final GroupedQueryAttention attention;
    private final RopeTable rope = new RopeTable();
    private float[] subBlockSums = new float[0];
    /** The native kernels, or null: then everything runs on the Vector API. */
    private final NativeKernels nativeKernels;
    private final String nativeDescription;
    /** The only thread allowed to call, once {@link #confineTo} has named one. */
    private volatile Thread owner;
    private byte[] roundedQuants = new byte[0];
    private float[] roundedScales = new float[0];
    private short[] roundedSums = new short[0];
    private byte[] decodeQuants = new byte[0];
    private float[] decodeScales = new float[0];

    /** One thread per available processor, the configured kernels ({@link NativeKernels#load()}). */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@code threads} threads and the configured kernels: the best instruction set the CPU has, or the one
     * {@code lectern.cpu.isa} names, with the Vector API at that set's width ({@link CpuIsa#species()}).
     */
    public CpuBackend(int threads) {
        this(threads, NativeKernels.load());
    }

    /** {@code threads} threads and the given kernels (tests run every instruction set the CPU has). */
    public CpuBackend(int threads, NativeKernels.Availability kernels) {
        this(threads, kernels.isa().species(), kernels);
    }

    /** Vector API kernels only, of the given width (the kernel tests compare both widths to the reference). */
    public CpuBackend(int threads, VectorSpecies<Float> species) {
        this(threads, species, new NativeKernels.Availability(null, CpuIsa.VECTOR, "native kernels not asked for"));
    }

    /**
     * @param threads threads that run the kernels, the caller's included
     * @param species the vector width the kernels use: 256 or 512 bits (tests run both)
     * @param nativeKernels the native kernels, used when {@link NativeKernels.Availability#loaded()}
     */
    public CpuBackend(int threads, VectorSpecies<Float> species, NativeKernels.Availability nativeKernels) {
        this.nativeKernels = nativeKernels.kernels();
        this.nativeDescription = nativeKernels.description();
        this.species = SpeciesBinding.checkSupported(Objects.requireNonNull(species, "species"));
        this.pool = new WorkerPool(threads);
        matmuls.put(GgmlType.F32, SpeciesBinding.bind(F32Matmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.F16, SpeciesBinding.bind(F16Matmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.BF16, SpeciesBinding.bind(BF16Matmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.Q8_0, SpeciesBinding.bind(Q8_0Matmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.Q4_0, SpeciesBinding.bind(Q4_0Matmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.Q4_K, SpeciesBinding.bind(Q4_KMatmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.Q5_K, SpeciesBinding.bind(Q5_KMatmul.class, MatmulKernel.class, species));
        matmuls.put(GgmlType.Q6_K, SpeciesBinding.bind(Q6_KMatmul.class, MatmulKernel.class, species));
        this.packedInt8 = bindPanelMatmul(PackedInt8Matmul.class, species);
        this.packedQ4_K = bindPanelMatmul(PackedQ4_KMatmul.class, species);
        this.ops = SpeciesBinding.bind(VectorRowOps.class, RowOps.class, species);
        this.attention = new GroupedQueryAttention(ops, pool, this.nativeKernels);
    }

    @SuppressWarnings("unchecked")
    private static <W extends PanelWeights> PanelMatmul<W> bindPanelMatmul(Class<? extends PanelMatmul<W>> template,
                                                                           VectorSpecies<Float> species) {
        return SpeciesBinding.bind(template, PanelMatmul.class, species);
    }

    @Override
    public String name() {
        return "cpu-" + species.vectorBitSize() + "bit-" + pool.threads() + "t"
                + (nativeKernels != null ? "+" + nativeKernels.isa().id() : "");
    }

    /** Which native kernels run (their instruction set and file), or that none do and why. */
    public String nativeKernelsDescription() {
        return nativeDescription;
    }

    /** The instruction set of the native kernels that run, or {@link CpuIsa#VECTOR}. */
    public CpuIsa isa() {
        return nativeKernels != null ? nativeKernels.isa() : CpuIsa.VECTOR;
    }

    /** Which kernels this backend runs, and why (the CLI's first line, the status page). */
    public String kernelsDescription() {
        return describeKernels(new NativeKernels.Availability(nativeKernels, isa(), nativeDescription), species);
    }

    /** {@link #describeKernels(NativeKernels.Availability, VectorSpecies)} at the set's own vector width. */
    public static String describeKernels(NativeKernels.Availability nativeKernels) {
        return describeKernels(nativeKernels, nativeKernels.isa().species());
    }

    /**
     * Which kernels a backend with these native kernels and vectors runs, in one sentence: the native
     * instruction set and why it was chosen where the native kernels loaded, else the Vector API's width and
     * why no native set runs.
     */
    public static String describeKernels(NativeKernels.Availability nativeKernels, VectorSpecies<Float> species) {
        String vectors = "Vector API " + species.vectorBitSize() + "-bit kernels";
        return nativeKernels.loaded()
                ? nativeKernels.description() + "; " + vectors + " for the rest"
                : vectors + ": " + nativeKernels.description();
    }

    public int threads() {
        return pool.threads();
    }

    public VectorSpecies<Float> species() {
        return species;
    }

    /**
     * Repacks Q4_K, Q6_K and Q8_0 weights, in parallel: into the native kernels' row-interleaved groups where
     * they take the type ({@link NativeKernels#packs}), into Vector API row panels ({@link PanelWeights})
     * otherwise; other types are read in place. The mapped pages of a repacked tensor are then released.
     */
    @Override
    public void prepare(WeightTensor weight) {
        checkThread();
        if (packed.containsKey(weight) || interleaved.containsKey(weight)) {
            return;
        }
        if (nativeKernels != null && nativeKernels.packs(weight.type(), weight.columns())) {
            InterleavedWeights groups = nativeKernels.allocate(weight);
            int count = groups.groups();
            int rowsPerGroup = groups.rowsPerGroup();
            // Chunks of at most PACK_CHUNK_BYTES of the file, each released as soon as it is packed: the peak
            // resident memory is then the packed model plus a chunk per thread, not plus the largest tensor
            // (the 4B model's 311 MB output head).
            long groupFileBytes = rowsPerGroup * weight.rowBytes();
            int perChunk = (int) Math.clamp(PACK_CHUNK_BYTES / groupFileBytes, 1,
                    Math.max(1, Math.ceilDiv(count, pool.threads() * CHUNKS_PER_THREAD)));
            pool.run(Math.ceilDiv(count, perChunk), (chunk, worker) -> {
                int first = chunk * perChunk;
                int end = Math.min(count, first + perChunk);
                nativeKernels.pack(weight, groups, first, end);
                release(weight, (long) first * rowsPerGroup, Math.min(weight.rows(), (long) end * rowsPerGroup));
            });
            interleaved.put(weight, groups);
            return;
        }
        PanelWeights panels = switch (weight.type()) {
            case Q8_0, Q6_K -> PackedInt8.allocate(weight, species.length());
            case Q4_K -> PackedQ4_K.allocate(weight, species.length());
            default -> null;
        };
        if (panels == null) {
            return;
        }
        int count = panels.panels();
        int perChunk = Math.max(1, Math.ceilDiv(count, pool.threads() * CHUNKS_PER_THREAD));
        pool.run(Math.ceilDiv(count, perChunk), (chunk, worker) -> panels.packPanels(weight, chunk * perChunk,
                Math.min(count, (chunk + 1) * perChunk)));
        packed.put(weight, panels);
        release(weight, 0, weight.rows());
    }

    /**
     * A repacked copy replaces the mapped pages of rows {@code [firstRow, endRow)} for good: let the OS drop
     * them from this process's resident set (they stay in the page cache), so the model is not counted twice.
     */
    private static void release(WeightTensor weight, long firstRow, long endRow) {
        if (weight.data().isMapped() && endRow > firstRow) {
            weight.data().asSlice(firstRow * weight.rowBytes(), (endRow - firstRow) * weight.rowBytes()).unload();
        }
    }

    @Override
    public void matmul(WeightTensor weight, float[] input, int rows, float[] output) {
        checkThread();
        int columns = weight.columns();
        int outputs = weight.rows();
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, columns), input.length);
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, outputs), output.length);
        InterleavedWeights groups = interleaved.get(weight);
        if (groups == null && nativeKernels != null && nativeKernels.packs(weight.type(), columns)) {
            // Not prepared at load (tests, a tensor used once): repack it now, once.
            prepare(weight);
            groups = interleaved.get(weight);
        }
        if (groups != null) {
            multiplyInterleaved(groups, input, rows, output);
            return;
        }
        PanelWeights panels = packed.get(weight);
        if (panels != null) {
            switch (panels) {
                case PackedInt8 int8 when decodesQ8_0Natively(int8, rows) -> multiplyQ8_0Natively(int8, input, rows, output);
                case PackedInt8 int8 -> multiplyPanels(packedInt8, int8, input, rows, null, output);
                case PackedQ4_K q4 -> multiplyPanels(packedQ4_K, q4, input, rows, subBlockSums(input, rows, columns),
                        output);
            }
            return;
        }
        MatmulKernel kernel = matmuls.get(weight.type());
        if (kernel == null) {
            throw new IllegalArgumentException("CpuBackend has no matmul kernel for " + weight.type());
        }
        float[] sums = kernel.usesSubBlockSums() ? subBlockSums(input, rows, columns) : null;
        long work = (long) outputs * columns * rows;
        int chunks = (int) Math.clamp(work / MIN_CHUNK_WORK, 1, (long) pool.threads() * CHUNKS_PER_THREAD);
        int perChunk = Math.ceilDiv(outputs, chunks);
        pool.run(Math.ceilDiv(outputs, perChunk), (chunk, worker) -> kernel.multiply(weight, input, rows, sums, output,
                chunk * perChunk, Math.min(outputs, (chunk + 1) * perChunk)));
    }

    private <W extends PanelWeights> void multiplyPanels(PanelMatmul<W> kernel, W weight, float[] input, int rows,
                                                         float[] sums, float[] output) {
        int panels = weight.panels();
        long work = (long) weight.rows() * weight.columns() * rows;
        long chunks = Math.clamp(work / MIN_CHUNK_WORK, 1, (long) pool.threads() * CHUNKS_PER_THREAD);
        if (rows >= 8) {
            chunks = Math.max(chunks, panels * weight.panelBytes() / PREFILL_CHUNK_BYTES);
        }
        // An even number of panels per chunk: the kernels take panels in pairs.
        int perChunk = Math.ceilDiv(panels, (int) Math.min(chunks, panels));
        perChunk += perChunk % 2;
        int step = perChunk;
        pool.run(Math.ceilDiv(panels, step), (chunk, worker) -> kernel.multiply(weight, input, rows, sums, output,
                chunk * step, Math.min(panels, (chunk + 1) * step)));
    }

    /**
     * Decoding a token or a few: the native kernel multiplies the Q8_0 panels in int8 (VNNI), where the Vector
     * API widens every byte to a float and stays near 25 GB/s. Prefill keeps the float panel kernel, whose
     * weights stay in registers across 8 tokens.
     */
    private void multiplyQ8_0Natively(PackedInt8 weight, float[] input, int rows, float[] output) {
        int values = rows * weight.columns();
        if (decodeQuants.length < values) {
            decodeQuants = new byte[values];
            decodeScales = new float[values / Q8_0Rounding.BLOCK];
        }
        byte[] quants = decodeQuants;
        float[] scales = decodeScales;
        nativeKernels.quantizeQ8_0Offset(input, rows, weight.columns(), quants, scales);
        int panels = weight.panels();
        long work = (long) weight.rows() * weight.columns() * rows;
        long chunks = Math.clamp(work / MIN_CHUNK_WORK, 1, (long) pool.threads() * CHUNKS_PER_THREAD);
        if (rows > 1) {
            // The kernel runs token after token over its chunk of panels: a chunk that stays in L2 is read
            // from memory once, not once per token (decoding several sequences at once).
            chunks = Math.max(chunks, panels * weight.panelBytes() / PREFILL_CHUNK_BYTES);
        }
        int perChunk = Math.ceilDiv(panels, (int) Math.min(chunks, panels));
        pool.run(Math.ceilDiv(panels, perChunk), (chunk, worker) -> nativeKernels.multiplyQ8_0Panels(weight,
                chunk * perChunk, Math.min(panels, (chunk + 1) * perChunk), quants, scales, rows, output));
    }

    private boolean decodesQ8_0Natively(PackedInt8 weight, int rows) {
        return rows <= NATIVE_Q8_0_MAX_ROWS && nativeKernels != null && nativeKernels.multipliesQ8_0Panels(weight);
    }

    /**
     * How {@link #matmul} rounds the activations of a product of {@code weight} with {@code rows} rows, as
     * llama.cpp's vec_dot_type for the type says: the native kernels' row-interleaved products round them to
     * Q8_K blocks (Q4_K, Q5_K, Q6_K) or Q8_0 blocks (Q4_0, and Q8_0 on the AVX2 sets), at any row count; on
     * AVX-512, Q8_0 panels round them to Q8_0 blocks when decoding (up to {@value #NATIVE_Q8_0_MAX_ROWS} rows)
     * and multiply them in float beyond; the Vector API kernels multiply them as they are. Call after
     * {@link #prepare}, as the forward pass does.
     */
    public ActivationRounding inputRounding(WeightTensor weight, int rows) {
        if (interleaved.containsKey(weight)
                || (nativeKernels != null && nativeKernels.packs(weight.type(), weight.columns()))) {
            return NativeKernels.roundsToQ8_K(weight.type()) ? ActivationRounding.Q8_K : ActivationRounding.Q8_0;
        }
        return packed.get(weight) instanceof PackedInt8 int8 && decodesQ8_0Natively(int8, rows)
                ? ActivationRounding.Q8_0 : ActivationRounding.NONE;
    }

    /**
     * Rounds the inputs to int8 as llama.cpp does for the type (Q8_K blocks for K-quants, Q8_0 for Q8_0 and Q4_0; in
     * parallel by input row when there are many), then multiplies, a share of row groups per chunk. Decoding
     * splits the groups evenly across threads; prefill also keeps each chunk's weights small enough to stay in
     * its core's L2 while the kernel runs every token over them.
     */
    private void multiplyInterleaved(InterleavedWeights weight, float[] input, int rows, float[] output) {
        int columns = weight.columns();
        int values = rows * columns;
        boolean kQuant = NativeKernels.roundsToQ8_K(weight.type());
        if (roundedQuants.length < values) {
            roundedQuants = new byte[values];
            roundedScales = new float[values / Q8_0Rounding.BLOCK];
            roundedSums = new short[values / NativeKernels.SUM_GROUP];
        }
        byte[] quants = roundedQuants;
        float[] scales = roundedScales;
        short[] sums = roundedSums;
        if (rows < 8) {
            // A few microseconds of work: a hand-off to the pool would cost more than it saves.
            round(kQuant, input, 0, rows, columns, quants, scales, sums);
        } else {
            int rowsPerShare = Math.ceilDiv(rows, pool.threads() * CHUNKS_PER_THREAD);
            pool.run(Math.ceilDiv(rows, rowsPerShare), (chunk, worker) -> round(kQuant, input, chunk * rowsPerShare,
                    Math.min(rows, (chunk + 1) * rowsPerShare), columns, quants, scales, sums));
        }
        int groups = weight.groups();
        long work = (long) weight.rows() * columns * rows;
        long chunks = Math.clamp(work / MIN_CHUNK_WORK, 1, (long) pool.threads() * CHUNKS_PER_THREAD);
        if (rows >= 8) {
            chunks = Math.max(chunks, groups * weight.groupBytes() / PREFILL_CHUNK_BYTES);
        }
        int perChunk = Math.ceilDiv(groups, (int) Math.min(chunks, groups));
        int outputs = weight.rows();
        pool.run(Math.ceilDiv(groups, perChunk), (chunk, worker) -> nativeKernels.multiply(weight, chunk * perChunk,
                Math.min(groups, (chunk + 1) * perChunk), quants, scales, sums, rows, output, outputs));
    }

    private void round(boolean kQuant, float[] input, int firstRow, int endRow, int columns, byte[] quants,
                       float[] scales, short[] sums) {
        if (kQuant) {
            nativeKernels.quantize(input, firstRow, endRow, columns, quants, scales, sums);
        } else {
            nativeKernels.quantizeQ8_0(input, firstRow, endRow, columns, quants, scales, sums);
        }
    }

    /** The sum of every 32 consecutive inputs of every row (K-quant kernels subtract min · Σx per sub-block). */
    private float[] subBlockSums(float[] input, int rows, int columns) {
        int count = rows * (columns / 32);
        if (subBlockSums.length < count) {
            subBlockSums = new float[count];
        }
        for (int s = 0; s < count; s++) {
            subBlockSums[s] = ops.sum(input, s * 32, 32);
        }
        return subBlockSums;
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, float[] output) {
        checkThread();
        // One row per token, a vanishing share of a forward pass: the tensor's own scalar dequantizer serves.
        for (int t = 0; t < tokens.length; t++) {
            table.dequantizeRow(tokens[t], output, t * table.columns());
        }
    }

    @Override
    public void rmsNorm(float[] input, int rows, int width, float[] weight, float eps, float[] output) {
        checkThread();
        for (int r = 0; r < rows; r++) {
            ops.rmsNorm(input, r * width, width, weight, eps, output, r * width);
        }
    }

    @Override
    public void headRmsNorm(float[] x, int rows, int heads, int headDim, float[] weight, float eps) {
        checkThread();
        for (int h = 0; h < rows * heads; h++) {
            ops.rmsNorm(x, h * headDim, headDim, weight, eps, x, h * headDim);
        }
    }

    @Override
    public void rope(float[] x, int rows, int heads, int headDim, int[] positions, float base) {
        checkThread();
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE pairs the halves of a head, so the head size must be even, not "
                    + headDim);
        }
        int maxPosition = 0;
        for (int r = 0; r < rows; r++) {
            if (positions[r] < 0) {
                throw new IllegalArgumentException("negative position " + positions[r] + " in row " + r);
            }
            maxPosition = Math.max(maxPosition, positions[r]);
        }
        rope.ensure(base, headDim, maxPosition);
        int half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            int table = rope.offset(positions[r]);
            for (int h = 0; h < heads; h++) {
                ops.rotate(x, (r * heads + h) * headDim, half, rope.cos(), rope.sin(), table);
            }
        }
    }

    @Override
    public void attention(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences,
                          int layer, float[] output) {
        checkThread();
        attention.attend(queries, positions, heads, headDim, sequences, layer, output);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length, float[] output) {
        checkThread();
        ops.swiglu(gate, up, length, output);
    }

    @Override
    public void add(float[] target, float[] addend, int length) {
        checkThread();
        ops.add(target, addend, length);
    }

    @Override
    public void softmax(float[] x, int offset, int length) {
        checkThread();
        ops.softmax(x, offset, length);
    }

    /**
     * Runs every kernel on small inputs until the JIT has compiled it. Vector API code runs far slower
     * before C2 compiles it (the operations fall back to Java loops over boxed lanes): without this, the
     * first prompt after start-up spent seconds in uncompiled kernels (measured: ~5 s of a 12 s 457-token
     * prefill on a loaded 2-core machine). Costs well under a second once compiled; call it at model load.
     */
    @Override
    public void warmUp() {
        checkThread();
        int columns = 256;
        int outputs = 64;
        int tokens = 16;
        SplittableRandom random = new SplittableRandom(1);
        float[] values = new float[outputs * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        float[] input = Arrays.copyOf(values, tokens * columns);
        float[] output = new float[tokens * outputs];
        float[] norm = new float[columns];
        Arrays.fill(norm, 1f);
        int[] positions = new int[tokens];
        Arrays.setAll(positions, i -> i);
        int[] lastPosition = {tokens - 1};
        try (Arena arena = Arena.ofShared();
             PagedKvCache cache = new PagedKvCache(1, 128, tokens,
                     KvDataType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE)) {
            WeightTensor q8 = WeightTensors.quantize(GgmlType.Q8_0, values, outputs, columns, arena);
            WeightTensor q4 = WeightTensors.quantize(GgmlType.Q4_K, values, outputs, columns, arena);
            WeightTensor q6 = WeightTensors.quantize(GgmlType.Q6_K, values, outputs, columns, arena);
            prepare(q8);
            prepare(q4);
            prepare(q6);
            for (int p = 0; p < tokens; p++) {
                cache.write(0, p, input, p * 128, input, p * 128 + 128);
            }
            cache.commit(tokens);
            float[] attended = new float[tokens * 256];
            for (int i = 0; i < 2_000; i++) {
                matmul(q8, input, tokens, output);
                matmul(q8, input, 1 + i % 3, output);
                matmul(q4, input, tokens, output);
                matmul(q4, input, 1 + i % 3, output);
                matmul(q6, input, tokens, output);
                matmul(q6, input, 1 + i % 3, output);
                rmsNorm(input, tokens, columns, norm, 1e-6f, attended);
                headRmsNorm(attended, tokens, 2, 128, norm, 1e-6f);
                rope(attended, tokens, 2, 128, positions, 1e6f);
                swiglu(input, values, columns * tokens, attended);
                add(attended, input, columns * tokens);
                attention(input, tokens, positions, 2, 128, cache, 0, attended);
                attention(input, 1, lastPosition, 2, 128, cache, 0, attended);
            }
        }
    }

    /**
     * From now on only {@code thread} may call this backend; any other caller gets an
     * {@link IllegalStateException}. The pool, the RoPE table and the scratch buffers are shared by all
     * calls, so a second caller would silently corrupt the scheduler's forward pass instead.
     */
    @Override
    public void confineTo(Thread thread) {
        owner = Objects.requireNonNull(thread, "thread");
    }

    private void checkThread() {
        Thread bound = owner;
        if (bound != null && bound != Thread.currentThread()) {
            throw new IllegalStateException("CpuBackend is confined to thread '" + bound.getName() + "' (the engine's"
                    + " scheduler) but was called from '" + Thread.currentThread().getName() + "'; submit work to the"
                    + " scheduler instead");
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
