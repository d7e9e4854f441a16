package dev.lectern.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

import dev.lectern.engine.gguf.GgmlType;

/**
 * The native CPU kernels of {@code kernels/cpu/lectern_cpu.c}, called through FFM:
 * <ul>
 * <li>Q4_K and Q6_K weights, read in place from the model file, multiplied with activations rounded to int8
 * (Q8_K blocks, as llama.cpp rounds them): row by row for a few tokens, in 16-token VNNI tiles for prefill;
 * <li>Q8_0 weights in the Vector API's heap panels, for decoding (int8 activations, VNNI);
 * <li>decode attention over an F16 cache (one instruction widens 16 halves; the Vector API needs ten).
 * </ul>
 * The Maven build compiles the library with the system C compiler into the jar; without a compiler, on
 * another OS or CPU architecture, or on a CPU without AVX-512, {@link #load} says why and the Vector API
 * kernels run instead. The VNNI kernels need AVX-512 VNNI (and VBMI for Q8_0); without them the others
 * still run.
 *
 * <p>The calls are "critical" downcalls: they take heap arrays directly (no copies) and are short enough
 * (one share of one matrix product) that holding off the garbage collector for their duration is harmless.
 *
 * <p>Settings (system properties): {@code lectern.cpu.native=false} turns the library off;
 * {@code lectern.cpu.native-library=/path/liblectern_cpu.so} loads that file instead of the bundled one.
 */
public final class NativeKernels {

    /** Query heads, and values per head, that {@link #attend} takes at most. */
    static final int MAX_HEADS = 64;
    static final int MAX_HEAD_DIM = 256;

    /** Rows per panel the Q8_0 decode kernel reads (the Vector API's 512-bit float lanes). */
    static final int Q8_0_PANEL_ROWS = 16;

    /** Tokens per tile of the VNNI prefill kernel, which runs from this many tokens on. */
    static final int TOKENS_PER_TILE = 16;

    /** Values per Q8_K activation block, and quants per partial sum within one. */
    static final int BLOCK = 256;
    static final int SUM_GROUP = 16;

    private static final String RESOURCE = "/native/linux-x86_64/liblectern_cpu.so";
    private static final int ABI_VERSION = 1;

    private static final Object LOCK = new Object();
    private static volatile Availability availability;

    /** Whether the library loaded, and if not, why (for logs and the admin page). */
    public record Availability(NativeKernels kernels, String description) {
        public boolean loaded() {
            return kernels != null;
        }
    }

    private final MethodHandle quantizeQ8_K;
    private final MethodHandle q4_KMatmul;
    private final MethodHandle q6_KMatmul;
    private final MethodHandle attendF16;
    /** The 16-token VNNI kernels for prefill, or null where the CPU lacks AVX-512 VNNI. */
    private final MethodHandle q4_KMatmulTiles;
    private final MethodHandle q6_KMatmulTiles;
    private final MethodHandle tileActivations;
    /** Q8_0 decoding on the Vector API's row panels, or null where the CPU lacks AVX-512 VNNI and VBMI. */
    private final MethodHandle q8_0Panels;
    private final MethodHandle quantizeQ8_0;

    private NativeKernels(SymbolLookup library) {
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout.OfLong size = ValueLayout.JAVA_LONG;
        quantizeQ8_K = linker.downcallHandle(library.findOrThrow("lectern_quantize_q8_k"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, size, size, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS), critical);
        FunctionDescriptor matmul = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, size, size, size,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.ADDRESS, size);
        q4_KMatmul = linker.downcallHandle(library.findOrThrow("lectern_q4_k_matmul"), matmul, critical);
        q6_KMatmul = linker.downcallHandle(library.findOrThrow("lectern_q6_k_matmul"), matmul, critical);
        boolean vnni = callInt(library, "lectern_cpu_vnni_supported") != 0;
        q4_KMatmulTiles = vnni ? linker.downcallHandle(library.findOrThrow("lectern_q4_k_matmul_tiles"), matmul, critical)
                : null;
        q6_KMatmulTiles = vnni ? linker.downcallHandle(library.findOrThrow("lectern_q6_k_matmul_tiles"), matmul, critical)
                : null;
        tileActivations = linker.downcallHandle(library.findOrThrow("lectern_q8_k_tiles"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, size,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS), critical);
        boolean vbmi = callInt(library, "lectern_cpu_vbmi_supported") != 0;
        q8_0Panels = vbmi ? linker.downcallHandle(library.findOrThrow("lectern_q8_0_panels"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, size, size, size,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.ADDRESS, size), critical) : null;
        quantizeQ8_0 = linker.downcallHandle(library.findOrThrow("lectern_quantize_q8_0_offset"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, size, ValueLayout.ADDRESS, ValueLayout.ADDRESS), critical);
        attendF16 = linker.downcallHandle(library.findOrThrow("lectern_attend_f16"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, size, size, size,
                        ValueLayout.ADDRESS, size, size, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS), critical);
    }

    /** The library, loaded once per JVM; {@link Availability#kernels()} is null where it cannot run. */
    public static Availability load() {
        Availability known = availability;
        if (known == null) {
            synchronized (LOCK) {
                known = availability;
                if (known == null) {
                    known = tryLoad();
                    availability = known;
                }
            }
        }
        return known;
    }

    private static Availability tryLoad() {
        if ("false".equalsIgnoreCase(System.getProperty("lectern.cpu.native", "true"))) {
            return new Availability(null, "native kernels turned off (lectern.cpu.native=false)");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return new Availability(null, "no native kernels for " + os + "/" + arch);
        }
        try {
            Path file = libraryFile();
            if (file == null) {
                return new Availability(null, "native kernels were not built (no C compiler when Lectern was built)");
            }
            SymbolLookup library = SymbolLookup.libraryLookup(file, Arena.global());
            int found = callInt(library, "lectern_cpu_abi_version");
            if (found != ABI_VERSION) {
                return new Availability(null, file + " is version " + found + ", this build needs " + ABI_VERSION);
            }
            if (callInt(library, "lectern_cpu_supported") == 0) {
                return new Availability(null, "this CPU lacks AVX-512 (BW, VL, DQ), which the native kernels need");
            }
            NativeKernels kernels = new NativeKernels(library);
            return new Availability(kernels, "native CPU kernels (AVX-512" + (kernels.q4_KMatmulTiles != null
                    ? ", VNNI" : ", no VNNI: prefill row by row") + (kernels.q8_0Panels != null ? ", VBMI" : "")
                    + ") from " + file);
        } catch (Throwable e) {
            return new Availability(null, "native kernels could not be loaded: " + e);
        }
    }

    /** Calls one of the library's {@code int f(void)} functions (version and CPU feature probes). */
    private static int callInt(SymbolLookup library, String function) {
        try {
            return (int) Linker.nativeLinker().downcallHandle(library.findOrThrow(function),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException(function + " failed", e);
        }
    }

    /** The library as a file: the configured path, the build's file on the class path, or a copy out of the jar. */
    private static Path libraryFile() throws IOException, URISyntaxException, NoSuchAlgorithmException {
        String configured = System.getProperty("lectern.cpu.native-library");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        URL resource = NativeKernels.class.getResource(RESOURCE);
        if (resource == null) {
            return null;
        }
        if ("file".equals(resource.getProtocol())) {
            return Path.of(resource.toURI());
        }
        byte[] bytes;
        try (InputStream in = resource.openStream()) {
            bytes = in.readAllBytes();
        }
        // Named by content: two versions of Lectern on one machine never load each other's library.
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        Path directory = Path.of(System.getProperty("user.home"), ".cache", "lectern", "native");
        Files.createDirectories(directory);
        Path target = directory.resolve("liblectern_cpu-" + digest + ".so");
        if (!Files.exists(target) || Files.size(target) != bytes.length) {
            Path temporary = Files.createTempFile(directory, "liblectern_cpu", ".tmp");
            Files.write(temporary, bytes);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }

    /** Whether the library multiplies weights of this type with {@code columns} columns. */
    static boolean handles(GgmlType type, int columns) {
        return (type == GgmlType.Q4_K || type == GgmlType.Q6_K) && columns % BLOCK == 0;
    }

    /**
     * Rounds input rows {@code [firstRow, endRow)} of {@code columns} values to Q8_K blocks: quants, one scale
     * per 256 and the sum of every 16 quants, at the same rows of {@code quants}, {@code scales} and {@code sums}.
     */
    void quantize(float[] input, int firstRow, int endRow, int columns, byte[] quants, float[] scales, short[] sums) {
        long first = (long) firstRow * columns;
        long count = (long) (endRow - firstRow) * columns;
        Objects.checkFromIndexSize(first, count, input.length);
        Objects.checkFromIndexSize(first, count, quants.length);
        Objects.checkFromIndexSize(first / BLOCK, count / BLOCK, scales.length);
        Objects.checkFromIndexSize(first / SUM_GROUP, count / SUM_GROUP, sums.length);
        try {
            quantizeQ8_K.invokeExact(MemorySegment.ofArray(input).asSlice(first * Float.BYTES),
                    (long) (endRow - firstRow), (long) columns,
                    MemorySegment.ofArray(quants).asSlice(first),
                    MemorySegment.ofArray(scales).asSlice(first / BLOCK * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice(first / SUM_GROUP * Short.BYTES));
        } catch (Throwable e) {
            throw new IllegalStateException("native activation rounding failed", e);
        }
    }

    /**
     * {@code output[t * outputStride + r] = Σ_c weight[r][c] · x[t][c]} for rows {@code [firstRow, endRow)} and
     * {@code tokens} tokens whose inputs {@link #quantize} rounded.
     */
    void multiply(GgmlType type, MemorySegment weight, int columns, int firstRow, int endRow, byte[] quants,
                  float[] scales, short[] sums, int tokens, float[] output, int outputStride) {
        MethodHandle kernel = switch (type) {
            case Q4_K -> q4_KMatmul;
            case Q6_K -> q6_KMatmul;
            default -> throw new IllegalArgumentException("no native kernel for " + type);
        };
        checkProduct(type, weight, columns, firstRow, endRow, tokens, tokens, quants.length, scales.length,
                sums.length, output.length, outputStride);
        try {
            kernel.invokeExact(weight, (long) columns, (long) firstRow, (long) endRow, MemorySegment.ofArray(quants),
                    MemorySegment.ofArray(scales), MemorySegment.ofArray(sums), (long) tokens,
                    MemorySegment.ofArray(output), (long) outputStride);
        } catch (Throwable e) {
            throw new IllegalStateException("native " + type + " matmul failed", e);
        }
    }

    /**
     * The library trusts its arguments, so a product's sizes are checked here: a wrong one would read or write
     * outside the weights or the arrays. {@code rounded} tokens of activations (the tile kernels pad to whole
     * tiles) must fit their arrays, {@code tokens} rows of output the output.
     */
    private static void checkProduct(GgmlType type, MemorySegment weight, int columns, int firstRow, int endRow,
                                     int tokens, int rounded, int quants, int scales, int sums, int output,
                                     int outputStride) {
        long values = (long) rounded * columns;
        if (firstRow < 0 || endRow < firstRow || weight.byteSize() < endRow * type.rowBytes(columns)
                || values > quants || values / BLOCK > scales || values / SUM_GROUP > sums
                || (tokens > 0 && (long) (tokens - 1) * outputStride + endRow > output)) {
            throw new IndexOutOfBoundsException("native " + type + " matmul: rows " + firstRow + ".." + endRow
                    + ", " + tokens + " tokens, " + columns + " columns do not fit the arrays given");
        }
    }

    /** Whether {@link #multiplyTiles} runs for this type here (Q4_K and Q6_K on a CPU with AVX-512 VNNI). */
    boolean multipliesTiles(GgmlType type) {
        return (type == GgmlType.Q4_K || type == GgmlType.Q6_K) && q4_KMatmulTiles != null;
    }

    /**
     * Interleaves the rounded activations of tokens {@code [firstTile · 16, min(tokens, endTile · 16))}, as
     * {@link #quantize} left them, into 16-token tiles ({@code [tile][block][k/4][16][4]} quants,
     * {@code [tile][block][16]} scales, {@code [tile][block][16][16]} int sums per 16); missing tokens are zeros.
     */
    void tile(byte[] quants, float[] scales, short[] sums, int tokens, int columns, int firstTile, int endTile,
              byte[] quantTiles, float[] scaleTiles, int[] sumTiles) {
        int blocks = columns / BLOCK;
        long firstToken = (long) firstTile * TOKENS_PER_TILE;
        int count = (int) Math.min(tokens - firstToken, (long) (endTile - firstTile) * TOKENS_PER_TILE);
        long tiles = endTile - firstTile;
        Objects.checkFromIndexSize(firstToken * columns, (long) count * columns, quants.length);
        Objects.checkFromIndexSize(firstToken * blocks, (long) count * blocks, scales.length);
        Objects.checkFromIndexSize(firstToken * columns / SUM_GROUP, (long) count * columns / SUM_GROUP, sums.length);
        Objects.checkFromIndexSize(firstToken * columns, tiles * TOKENS_PER_TILE * columns, quantTiles.length);
        Objects.checkFromIndexSize(firstToken * blocks, tiles * TOKENS_PER_TILE * blocks, scaleTiles.length);
        Objects.checkFromIndexSize(firstToken * columns / SUM_GROUP, tiles * TOKENS_PER_TILE * columns / SUM_GROUP,
                sumTiles.length);
        try {
            tileActivations.invokeExact(MemorySegment.ofArray(quants).asSlice(firstToken * columns),
                    MemorySegment.ofArray(scales).asSlice(firstToken * blocks * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice(firstToken * columns / SUM_GROUP * Short.BYTES),
                    (long) count, (long) columns,
                    MemorySegment.ofArray(quantTiles).asSlice(firstToken * columns),
                    MemorySegment.ofArray(scaleTiles).asSlice(firstToken * blocks * Float.BYTES),
                    MemorySegment.ofArray(sumTiles).asSlice(firstToken * columns / SUM_GROUP * Integer.BYTES));
        } catch (Throwable e) {
            throw new IllegalStateException("native activation tiling failed", e);
        }
    }

    /**
     * As {@link #multiply}, from activations {@link #tile} interleaved: Q4_K and Q6_K, where
     * {@link #multipliesTiles} says so.
     */
    void multiplyTiles(GgmlType type, MemorySegment weight, int columns, int firstRow, int endRow, byte[] quantTiles,
                       float[] scaleTiles, int[] sumTiles, int tokens, float[] output, int outputStride) {
        if (!multipliesTiles(type)) {
            throw new IllegalArgumentException("no native tile kernel for " + type);
        }
        int padded = Math.ceilDiv(tokens, TOKENS_PER_TILE) * TOKENS_PER_TILE;
        checkProduct(type, weight, columns, firstRow, endRow, tokens, padded, quantTiles.length, scaleTiles.length,
                sumTiles.length, output.length, outputStride);
        MethodHandle kernel = type == GgmlType.Q4_K ? q4_KMatmulTiles : q6_KMatmulTiles;
        try {
            kernel.invokeExact(weight, (long) columns, (long) firstRow, (long) endRow,
                    MemorySegment.ofArray(quantTiles), MemorySegment.ofArray(scaleTiles), MemorySegment.ofArray(sumTiles),
                    (long) tokens, MemorySegment.ofArray(output), (long) outputStride);
        } catch (Throwable e) {
            throw new IllegalStateException("native " + type + " tile matmul failed", e);
        }
    }

    /** Whether {@link #multiplyQ8_0Panels} runs here: a CPU with AVX-512 VNNI and VBMI, 16-row panels. */
    boolean multipliesQ8_0Panels(PackedInt8 weight) {
        return q8_0Panels != null && weight.type() == GgmlType.Q8_0 && weight.lanes() == Q8_0_PANEL_ROWS;
    }

    /**
     * Rounds {@code rows} rows of {@code columns} inputs to Q8_0 blocks ({@link Q8_0Rounding}): quants stored
     * plus 128, one scale per 32.
     */
    void quantizeQ8_0(float[] input, int rows, int columns, byte[] quants, float[] scales) {
        long count = (long) rows * columns;
        Objects.checkFromIndexSize(0, count, input.length);
        Objects.checkFromIndexSize(0, count, quants.length);
        Objects.checkFromIndexSize(0, count / Q8_0Rounding.BLOCK, scales.length);
        try {
            quantizeQ8_0.invokeExact(MemorySegment.ofArray(input), count, MemorySegment.ofArray(quants),
                    MemorySegment.ofArray(scales));
        } catch (Throwable e) {
            throw new IllegalStateException("native Q8_0 activation rounding failed", e);
        }
    }

    /**
     * {@code output[t * weight.rows() + r]} for the rows of panels {@code [firstPanel, endPanel)} and
     * {@code tokens} tokens whose inputs {@link #quantizeQ8_0} rounded.
     */
    void multiplyQ8_0Panels(PackedInt8 weight, int firstPanel, int endPanel, byte[] quants, float[] scales, int tokens,
                            float[] output) {
        if (!multipliesQ8_0Panels(weight) || firstPanel < 0 || endPanel < firstPanel || endPanel > weight.panels()
                || (long) tokens * weight.columns() > quants.length
                || (long) tokens * weight.columns() / Q8_0Rounding.BLOCK > scales.length
                || (long) tokens * weight.rows() > output.length) {
            throw new IllegalArgumentException("native Q8_0 panels: panels " + firstPanel + ".." + endPanel + " of "
                    + weight.panels() + ", " + tokens + " tokens do not fit the arrays given");
        }
        try {
            q8_0Panels.invokeExact(MemorySegment.ofArray(weight.quants()), MemorySegment.ofArray(weight.scales()),
                    (long) weight.columns(), (long) weight.rows(), (long) firstPanel, (long) endPanel,
                    MemorySegment.ofArray(quants), MemorySegment.ofArray(scales), (long) tokens,
                    MemorySegment.ofArray(output), (long) weight.rows());
        } catch (Throwable e) {
            throw new IllegalStateException("native Q8_0 panel matmul failed", e);
        }
    }

    /**
     * One query row's attention to positions {@code [begin, end)} of an F16 cache, all {@code heads} heads
     * (from {@code queries[queryOffset]}, {@code group} per key/value head): leaves the range's online-softmax
     * state, per head h, in {@code maxima[stateOffset + h]}, {@code sums[stateOffset + h]} and
     * {@code accumulated[(stateOffset + h) * headDim ..]}, for the caller to merge with other ranges'.
     * {@code keyBlocks[b]} and {@code valueBlocks[b]} are the addresses of storage block b.
     */
    void attend(long[] keyBlocks, long[] valueBlocks, int blockSize, int heads, int group, int headDim,
                float[] queries, int queryOffset, int begin, int end, float scale, float[] accumulated,
                float[] maxima, float[] sums, int stateOffset) {
        if (headDim % 16 != 0 || headDim > MAX_HEAD_DIM || heads > MAX_HEADS || group < 1 || heads % group != 0
                || begin < 0 || end <= begin || Math.ceilDiv(end, blockSize) > Math.min(keyBlocks.length, valueBlocks.length)) {
            throw new IllegalArgumentException("native attention: " + heads + " heads of " + headDim + " values, "
                    + group + " per key/value head, positions " + begin + ".." + end + " in " + keyBlocks.length
                    + " blocks of " + blockSize);
        }
        Objects.checkFromIndexSize(queryOffset, heads * headDim, queries.length);
        Objects.checkFromIndexSize((long) stateOffset * headDim, (long) heads * headDim, accumulated.length);
        Objects.checkFromIndexSize(stateOffset, heads, maxima.length);
        Objects.checkFromIndexSize(stateOffset, heads, sums.length);
        try {
            attendF16.invokeExact(MemorySegment.ofArray(keyBlocks), MemorySegment.ofArray(valueBlocks), (long) blockSize,
                    (long) heads, (long) group, (long) headDim,
                    MemorySegment.ofArray(queries).asSlice((long) queryOffset * Float.BYTES), (long) begin, (long) end,
                    scale, MemorySegment.ofArray(accumulated).asSlice((long) stateOffset * headDim * Float.BYTES),
                    MemorySegment.ofArray(maxima).asSlice((long) stateOffset * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice((long) stateOffset * Float.BYTES));
        } catch (Throwable e) {
            throw new IllegalStateException("native attention failed", e);
        }
    }
}
