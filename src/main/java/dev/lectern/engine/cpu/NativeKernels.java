package dev.lectern.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.AddressLayout;
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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The native CPU kernels of {@code kernels/cpu}, called through FFM. One library holds them for three
 * instruction sets ({@link CpuIsa}: AVX-512, AVX-VNNI, AVX2); an instance binds one set's functions:
 * <ul>
 * <li>Q4_K, Q5_K, Q6_K, Q4_0 and Q8_0 weights, repacked at load into row-interleaved
 * groups ({@link InterleavedWeights}) and multiplied with activations rounded to int8 as llama.cpp rounds
 * them (Q8_K blocks for K-quants, Q8_0 blocks for Q8_0 and Q4_0), any number of tokens: decoding and
 * prefill;
 * <li>on AVX-512, Q8_0 weights in the Vector API's heap panels, for decoding, where they are not packed
 * (a row of an odd number of 32-column blocks);
 * <li>decode attention over an F16 or Q8_0 cache (one instruction widens 8 or 16 halves; the Vector API
 * needs ten).
 * </ul>
 * The Maven build compiles the library with the system C compiler into the jar; without a compiler, on
 * another OS or CPU architecture, or on a CPU without AVX2, {@link #load} says why and the Vector API
 * kernels run instead.
 *
 * <p>The calls are "critical" downcalls: they take heap arrays directly (no copies) and are short enough
 * (one share of one matrix product) that holding off the garbage collector for their duration is harmless.
 *
 * <p>Settings (system properties): {@code lectern.cpu.isa=avx512|avxvnni|avx2|vector} runs that set (or the
 * best one below it that this CPU has) instead of the best; {@code lectern.cpu.native=false} is
 * {@code lectern.cpu.isa=vector}; {@code lectern.cpu.native-library=/path/liblectern_cpu.so} loads that
 * file instead of the bundled one.
 */
public final class NativeKernels {

    /** Query heads, and values per head, that {@link #attend} takes at most. */
    static final int MAX_HEADS = 64;
    static final int MAX_HEAD_DIM = 256;

    /** Rows per panel the AVX-512 Q8_0 decode kernel reads (the Vector API's 512-bit float lanes). */
    static final int Q8_0_PANEL_ROWS = 16;

    /** Values per Q8_K activation block, and quants per partial sum within one. */
    static final int BLOCK = 256;
    static final int SUM_GROUP = 16;

    private static final String RESOURCE = "/native/linux-x86_64/liblectern_cpu.so";
    private static final int ABI_VERSION = 3;

    private static final Object LOCK = new Object();
    private static volatile Availability configured;
    /** The library, once loaded: a lookup, or why there is none. */
    private static Library library;
    private static final Map<CpuIsa, Availability> BY_ISA = new EnumMap<>(CpuIsa.class);

    private record Library(SymbolLookup lookup, Path file, String failure) {
    }

    /** Which instruction set's kernels run, or none and why (for logs and the status page). */
    public record Availability(NativeKernels kernels, CpuIsa isa, String description) {
        public boolean loaded() {
            return kernels != null;
        }
    }

    private final CpuIsa isa;
    private final int rowsPerGroup;
    private final MethodHandle quantizeQ8_K;
    private final MethodHandle q4_KPacked;
    private final MethodHandle q5_KPacked;
    private final MethodHandle q6_KPacked;
    private final MethodHandle q4_0Packed;
    private final MethodHandle attendF16;
    private final MethodHandle attendQ8_0;
    private final MethodHandle attendRows;
    private final MethodHandle attendShared;
    /** Q8_0 repacked into row groups (every set; AVX-512 keeps {@link #q8_0Panels} for rows it cannot pack). */
    private final MethodHandle q8_0Packed;
    private final MethodHandle quantizeQ8_0;
    /** Q8_0 decoding on the Vector API's row panels (AVX-512), or null. */
    private final MethodHandle q8_0Panels;
    private final MethodHandle quantizeQ8_0Offset;
    private final MethodHandle q4_KPack;
    private final MethodHandle q5_KPack;
    private final MethodHandle q6_KPack;
    private final MethodHandle q8_0Pack;
    private final MethodHandle q4_0Pack;
    private final MethodHandle packedBlockBytes;
    private final MethodHandle allocate;
    private final MethodHandle free;

    private NativeKernels(SymbolLookup library, CpuIsa isa) {
        this.isa = isa;
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout.OfLong size = ValueLayout.JAVA_LONG;
        AddressLayout address = ValueLayout.ADDRESS;
        String suffix = "_" + isa.id();
        this.rowsPerGroup = callInt(library, "lectern_packed_rows" + suffix);
        quantizeQ8_K = linker.downcallHandle(library.findOrThrow("lectern_quantize_q8_k" + suffix),
                FunctionDescriptor.ofVoid(address, size, size, address, address, address), critical);
        FunctionDescriptor packedMatmul = FunctionDescriptor.ofVoid(address, size, size, size, size, address, address,
                address, size, address, size);
        q4_KPacked = linker.downcallHandle(library.findOrThrow("lectern_q4_k_packed" + suffix), packedMatmul, critical);
        q5_KPacked = linker.downcallHandle(library.findOrThrow("lectern_q5_k_packed" + suffix), packedMatmul, critical);
        q6_KPacked = linker.downcallHandle(library.findOrThrow("lectern_q6_k_packed" + suffix), packedMatmul, critical);
        q4_0Packed = linker.downcallHandle(library.findOrThrow("lectern_q4_0_packed" + suffix), packedMatmul, critical);
        FunctionDescriptor attention = FunctionDescriptor.ofVoid(address, address, size, size, size, size, address,
                size, size, ValueLayout.JAVA_FLOAT, address, address, address);
        attendF16 = linker.downcallHandle(library.findOrThrow("lectern_attend_f16" + suffix), attention, critical);
        attendQ8_0 = linker.downcallHandle(library.findOrThrow("lectern_attend_q8_0" + suffix), attention, critical);
        attendRows = linker.downcallHandle(library.findOrThrow("lectern_attend_rows" + suffix),
                FunctionDescriptor.ofVoid(address, address, size, ValueLayout.JAVA_INT, size, size, size, size, address,
                        address, size, size, ValueLayout.JAVA_FLOAT, address, address), critical);
        attendShared = linker.downcallHandle(library.findOrThrow("lectern_attend_shared" + suffix),
                FunctionDescriptor.ofVoid(address, address, size, ValueLayout.JAVA_INT, size, size, size, address,
                        address, size, size, size, ValueLayout.JAVA_FLOAT, address, address, address, address), critical);
        Optional<MemorySegment> packedQ8_0 = library.find("lectern_q8_0_packed" + suffix);
        q8_0Packed = packedQ8_0.map(f -> linker.downcallHandle(f, packedMatmul, critical)).orElse(null);
        quantizeQ8_0 = linker.downcallHandle(library.findOrThrow("lectern_quantize_q8_0" + suffix),
                FunctionDescriptor.ofVoid(address, size, address, address, address), critical);
        q8_0Panels = library.find("lectern_q8_0_panels" + suffix).map(f -> linker.downcallHandle(f,
                FunctionDescriptor.ofVoid(address, address, size, size, size, size, address, address, size, address,
                        size), critical)).orElse(null);
        quantizeQ8_0Offset = library.find("lectern_quantize_q8_0_offset" + suffix).map(f -> linker.downcallHandle(f,
                FunctionDescriptor.ofVoid(address, size, address, address), critical)).orElse(null);
        FunctionDescriptor pack = FunctionDescriptor.ofVoid(address, size, size, size, size, size, address);
        q4_KPack = linker.downcallHandle(library.findOrThrow("lectern_q4_k_pack"), pack);
        q5_KPack = linker.downcallHandle(library.findOrThrow("lectern_q5_k_pack"), pack);
        q6_KPack = linker.downcallHandle(library.findOrThrow("lectern_q6_k_pack"), pack);
        q8_0Pack = linker.downcallHandle(library.findOrThrow("lectern_q8_0_pack"), pack);
        q4_0Pack = linker.downcallHandle(library.findOrThrow("lectern_q4_0_pack"), pack);
        packedBlockBytes = linker.downcallHandle(library.findOrThrow("lectern_packed_block_bytes"),
                FunctionDescriptor.of(size, ValueLayout.JAVA_INT, size));
        allocate = linker.downcallHandle(library.findOrThrow("lectern_alloc"), FunctionDescriptor.of(address, size));
        free = linker.downcallHandle(library.findOrThrow("lectern_free"), FunctionDescriptor.ofVoid(address, size));
    }

    /** The instruction set whose functions this instance calls. */
    public CpuIsa isa() {
        return isa;
    }

    /**
     * The kernels this JVM runs, chosen once: the best set the CPU has, or the one {@code lectern.cpu.isa}
     * names ({@code lectern.cpu.native=false}: none) where the CPU has it, else the best below it.
     * {@link Availability#kernels()} is null where none can run.
     */
    public static Availability load() {
        Availability known = configured;
        if (known == null) {
            synchronized (LOCK) {
                known = configured;
                if (known == null) {
                    known = chooseConfigured();
                    configured = known;
                }
            }
        }
        return known;
    }

    /**
     * Exactly this set's kernels, loaded where the library was built with them and the CPU runs them (tests
     * run every set {@link #supportedIsas()} lists); {@link CpuIsa#VECTOR} is never loaded.
     */
    public static Availability load(CpuIsa isa) {
        synchronized (LOCK) {
            return BY_ISA.computeIfAbsent(isa, NativeKernels::tryLoad);
        }
    }

    /** The native sets that load here (library built with them, CPU runs them), best first. */
    public static List<CpuIsa> supportedIsas() {
        return Arrays.stream(CpuIsa.values()).filter(isa -> isa.isNative() && load(isa).loaded()).toList();
    }

    /**
     * The configured set, its description saying why it runs: the best this CPU has, the one
     * {@code lectern.cpu.isa} names, or the best below one the CPU lacks; without one, why none runs.
     */
    private static Availability chooseConfigured() {
        String named = System.getProperty("lectern.cpu.isa", "");
        CpuIsa wanted;
        if (!named.isBlank()) {
            wanted = CpuIsa.parse(named);
        } else if ("false".equalsIgnoreCase(System.getProperty("lectern.cpu.native", "true"))) {
            return new Availability(null, CpuIsa.VECTOR, "native kernels turned off (lectern.cpu.native=false)");
        } else {
            wanted = CpuIsa.AVX512;
        }
        if (wanted == CpuIsa.VECTOR) {
            return new Availability(null, CpuIsa.VECTOR, "native kernels turned off (lectern.cpu.isa=vector)");
        }
        Availability first = null;
        Availability last = null;
        for (CpuIsa isa : CpuIsa.values()) {
            if (isa.ordinal() < wanted.ordinal() || !isa.isNative()) {
                continue;
            }
            Availability candidate = load(isa);
            if (first == null) {
                first = candidate;
            }
            last = candidate;
            if (candidate.loaded()) {
                String why;
                if (isa == wanted) {
                    why = named.isBlank() ? "the best this CPU has" : "lectern.cpu.isa=" + named.trim();
                } else {
                    why = (named.isBlank() ? "" : "lectern.cpu.isa=" + named.trim() + ", but ") + first.description();
                }
                return new Availability(candidate.kernels(), isa, candidate.description() + ", " + why + ", from "
                        + library().file());
            }
        }
        // The lowest set's reason is why none runs ("this CPU lacks AVX2 ...", or the library's failure).
        return new Availability(null, CpuIsa.VECTOR, last.description());
    }

    private static Availability tryLoad(CpuIsa isa) {
        if (!isa.isNative()) {
            return new Availability(null, isa, "the Vector API set has no native kernels");
        }
        Library loaded = library();
        if (loaded.lookup() == null) {
            return new Availability(null, isa, loaded.failure());
        }
        SymbolLookup lookup = loaded.lookup();
        if (lookup.find("lectern_cpu_supports_" + isa.id()).isEmpty()
                || lookup.find("lectern_q4_k_packed_" + isa.id()).isEmpty()) {
            return new Availability(null, isa, loaded.file() + " was built without " + isa.id() + " kernels (the"
                    + " compiler lacked " + isa.description() + ")");
        }
        if (callInt(lookup, "lectern_cpu_supports_" + isa.id()) == 0) {
            return new Availability(null, isa, "this CPU lacks " + isa.description());
        }
        try {
            NativeKernels kernels = new NativeKernels(lookup, isa);
            return new Availability(kernels, isa, "native CPU kernels: " + isa.id() + " (" + isa.description() + ")");
        } catch (Throwable e) {
            return new Availability(null, isa, "native " + isa.id() + " kernels could not be bound: " + e);
        }
    }

    /** Loads the library file once per JVM. */
    private static Library library() {
        synchronized (LOCK) {
            if (library == null) {
                library = openLibrary();
            }
            return library;
        }
    }

    private static Library openLibrary() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return new Library(null, null, "no native kernels for " + os + "/" + arch);
        }
        try {
            Path file = libraryFile();
            if (file == null) {
                return new Library(null, null, "native kernels were not built (no C compiler when Lectern was built)");
            }
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
            int found = callInt(lookup, "lectern_cpu_abi_version");
            if (found != ABI_VERSION) {
                return new Library(null, file, file + " is version " + found + ", this build needs " + ABI_VERSION);
            }
            return new Library(lookup, file, null);
        } catch (Throwable e) {
            return new Library(null, null, "native kernels could not be loaded: " + e);
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

    /**
     * Whether {@link #pack} repacks weights of this type with {@code columns} columns for {@link #multiply}:
     * Q4_K, Q5_K, Q6_K and Q4_0 on every set, and Q8_0 rows of an even number of blocks.
     */
    boolean packs(GgmlType type, int columns) {
        return switch (type) {
            case Q4_K, Q5_K, Q6_K -> columns % BLOCK == 0;
            case Q4_0 -> columns % Q8_0Rounding.BLOCK == 0;
            // Q8_0 blocks are packed in pairs (aligned vector loads): an even number of them.
            case Q8_0 -> q8_0Packed != null && columns % (2 * Q8_0Rounding.BLOCK) == 0;
            default -> false;
        };
    }

    /**
     * Whether products with this type round their inputs to Q8_K ({@link #quantize}: K-quants) rather than
     * Q8_0 ({@link #quantizeQ8_0}: Q8_0 and Q4_0), as llama.cpp's vec_dot_type says.
     */
    static boolean roundsToQ8_K(GgmlType type) {
        return type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K;
    }

    /** Room for {@code weight} in this set's interleaved layout; fill it with {@link #pack}. */
    InterleavedWeights allocate(WeightTensor weight) {
        if (!packs(weight.type(), weight.columns())) {
            throw new IllegalArgumentException("the " + isa.id() + " kernels do not repack " + weight.type()
                    + " weights of " + weight.columns() + " columns");
        }
        long blockBytes;
        try {
            blockBytes = (long) packedBlockBytes.invokeExact(weight.type().id(), (long) rowsPerGroup);
        } catch (Throwable e) {
            throw new IllegalStateException("lectern_packed_block_bytes failed", e);
        }
        return new InterleavedWeights(weight.type(), weight.rows(), weight.columns(), rowsPerGroup, blockBytes,
                this::allocateNative);
    }

    /** {@code bytes} of native memory (not zeroed), freed when the returned segment is no longer reachable. */
    private MemorySegment allocateNative(long bytes) {
        MemorySegment memory;
        try {
            memory = (MemorySegment) allocate.invokeExact(bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("lectern_alloc failed", e);
        }
        if (memory.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("no memory for " + bytes + " bytes of repacked weights");
        }
        return memory.reinterpret(bytes, Arena.ofAuto(), segment -> freeNative(segment, bytes));
    }

    private void freeNative(MemorySegment memory, long bytes) {
        try {
            free.invokeExact(memory, bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("lectern_free failed", e);
        }
    }

    /** Repacks the rows of groups {@code [firstGroup, endGroup)} of {@code weight} into {@code packed}. */
    void pack(WeightTensor weight, InterleavedWeights packed, int firstGroup, int endGroup) {
        Objects.checkFromToIndex(firstGroup, endGroup, packed.groups());
        if (weight.type() != packed.type() || weight.rows() != packed.rows() || weight.columns() != packed.columns()
                || weight.data().byteSize() < weight.rows() * weight.rowBytes()) {
            throw new IllegalArgumentException("cannot pack a " + weight.type() + " " + weight.rows() + " x "
                    + weight.columns() + " tensor into room for " + packed.type() + " " + packed.rows() + " x "
                    + packed.columns());
        }
        MethodHandle packer = switch (weight.type()) {
            case Q4_K -> q4_KPack;
            case Q5_K -> q5_KPack;
            case Q6_K -> q6_KPack;
            case Q8_0 -> q8_0Pack;
            case Q4_0 -> q4_0Pack;
            default -> throw new IllegalArgumentException("no packing for " + weight.type());
        };
        try {
            packer.invokeExact(weight.data(), (long) weight.columns(), (long) weight.rows(), (long) rowsPerGroup,
                    (long) firstGroup, (long) endGroup, packed.data());
        } catch (Throwable e) {
            throw new IllegalStateException("native " + weight.type() + " packing failed", e);
        }
    }

    /**
     * Rounds input rows {@code [firstRow, endRow)} of {@code columns} values to Q8_K blocks ({@link Q8_KRounding}):
     * quants, one scale per 256 and the sum of every 16 quants, at the same rows of {@code quants},
     * {@code scales} and {@code sums}.
     */
    void quantize(float[] input, int firstRow, int endRow, int columns, byte[] quants, float[] scales, short[] sums) {
        long first = (long) firstRow * columns;
        long count = (long) (endRow - firstRow) * columns;
        if (columns % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_K rounds rows of whole 256-value blocks, not " + columns);
        }
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
     * Rounds input rows {@code [firstRow, endRow)} to Q8_0 blocks ({@link Q8_0Rounding}), for {@link #multiply}
     * with packed Q8_0 and Q4_0 weights: signed quants, one scale and the sum of the quants per 32.
     */
    void quantizeQ8_0(float[] input, int firstRow, int endRow, int columns, byte[] quants, float[] scales,
                      short[] sums) {
        if (columns % Q8_0Rounding.BLOCK != 0) {
            throw new IllegalArgumentException("no native Q8_0 rounding for " + columns + " columns on " + isa.id());
        }
        long first = (long) firstRow * columns;
        long count = (long) (endRow - firstRow) * columns;
        Objects.checkFromIndexSize(first, count, input.length);
        Objects.checkFromIndexSize(first, count, quants.length);
        Objects.checkFromIndexSize(first / Q8_0Rounding.BLOCK, count / Q8_0Rounding.BLOCK, scales.length);
        Objects.checkFromIndexSize(first / Q8_0Rounding.BLOCK, count / Q8_0Rounding.BLOCK, sums.length);
        try {
            quantizeQ8_0.invokeExact(MemorySegment.ofArray(input).asSlice(first * Float.BYTES), count,
                    MemorySegment.ofArray(quants).asSlice(first),
                    MemorySegment.ofArray(scales).asSlice(first / Q8_0Rounding.BLOCK * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice(first / Q8_0Rounding.BLOCK * Short.BYTES));
        } catch (Throwable e) {
            throw new IllegalStateException("native Q8_0 activation rounding failed", e);
        }
    }

    /**
     * {@code output[t * outputStride + r] = Σ_c weight[r][c] · x[t][c]} for the rows of groups
     * {@code [firstGroup, endGroup)} and {@code tokens} tokens, whose inputs {@link #quantize} (K-quants: sums
     * per 16) or {@link #quantizeQ8_0} (Q8_0 and Q4_0: sums per 32) rounded.
     */
    void multiply(InterleavedWeights weight, int firstGroup, int endGroup, byte[] quants, float[] scales, short[] sums,
                  int tokens, float[] output, int outputStride) {
        MethodHandle kernel = switch (weight.type()) {
            case Q4_K -> q4_KPacked;
            case Q5_K -> q5_KPacked;
            case Q6_K -> q6_KPacked;
            case Q8_0 -> q8_0Packed;
            case Q4_0 -> q4_0Packed;
            default -> null;
        };
        boolean kQuant = roundsToQ8_K(weight.type());
        int group = kQuant ? BLOCK : Q8_0Rounding.BLOCK;
        int sumGroup = kQuant ? SUM_GROUP : Q8_0Rounding.BLOCK;
        long values = (long) tokens * weight.columns();
        int lastRow = Math.min(weight.rows(), endGroup * weight.rowsPerGroup());
        if (kernel == null || weight.rowsPerGroup() != rowsPerGroup || firstGroup < 0 || endGroup < firstGroup
                || endGroup > weight.groups() || values > quants.length || values / group > scales.length
                || sums == null || values / sumGroup > sums.length
                || (tokens > 0 && (long) (tokens - 1) * outputStride + lastRow > output.length)) {
            throw new IllegalArgumentException("native " + weight.type() + " matmul on " + isa.id() + ": groups "
                    + firstGroup + ".." + endGroup + " of " + weight.groups() + " (" + weight.rowsPerGroup()
                    + " rows each), " + tokens + " tokens of " + weight.columns() + " do not fit the arrays given");
        }
        try {
            kernel.invokeExact(weight.data(), (long) weight.columns(), (long) weight.rows(), (long) firstGroup,
                    (long) endGroup, MemorySegment.ofArray(quants), MemorySegment.ofArray(scales), MemorySegment.ofArray(sums), (long) tokens,
                    MemorySegment.ofArray(output), (long) outputStride);
        } catch (Throwable e) {
            throw new IllegalStateException("native " + weight.type() + " matmul failed", e);
        }
    }

    /** Whether {@link #multiplyQ8_0Panels} runs here: the AVX-512 set, 16-row panels. */
    boolean multipliesQ8_0Panels(PackedInt8 weight) {
        return q8_0Panels != null && weight.type() == GgmlType.Q8_0 && weight.lanes() == Q8_0_PANEL_ROWS;
    }

    /**
     * Rounds {@code rows} rows of {@code columns} inputs to Q8_0 blocks ({@link Q8_0Rounding}) for
     * {@link #multiplyQ8_0Panels}: quants stored plus 128, one scale per 32.
     */
    void quantizeQ8_0Offset(float[] input, int rows, int columns, byte[] quants, float[] scales) {
        long count = (long) rows * columns;
        Objects.checkFromIndexSize(0, count, input.length);
        Objects.checkFromIndexSize(0, count, quants.length);
        Objects.checkFromIndexSize(0, count / Q8_0Rounding.BLOCK, scales.length);
        try {
            quantizeQ8_0Offset.invokeExact(MemorySegment.ofArray(input), count, MemorySegment.ofArray(quants),
                    MemorySegment.ofArray(scales));
        } catch (Throwable e) {
            throw new IllegalStateException("native Q8_0 activation rounding failed", e);
        }
    }

    /**
     * {@code output[t * weight.rows() + r]} for the rows of panels {@code [firstPanel, endPanel)} and
     * {@code tokens} tokens whose inputs {@link #quantizeQ8_0Offset} rounded.
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

    /** Whether {@link #attend} reads a cache of this type with heads of {@code headDim} values. */
    static boolean attends(KvDataType type, int heads, int headDim) {
        int unit = type == KvDataType.Q8_0 ? Q8_0Rounding.BLOCK : 16;
        return headDim % unit == 0 && headDim <= MAX_HEAD_DIM && heads <= MAX_HEADS;
    }

    /**
     * One query row's attention to positions {@code [begin, end)} of an F16 or Q8_0 cache, all {@code heads}
     * heads (from {@code queries[queryOffset]}, {@code group} per key/value head): leaves the range's
     * online-softmax state, per head h, in {@code maxima[stateOffset + h]}, {@code sums[stateOffset + h]} and
     * {@code accumulated[(stateOffset + h) * headDim ..]}, for the caller to merge with other ranges'.
     * {@code keyBlocks[b]} and {@code valueBlocks[b]} are the addresses of storage block b.
     */
    void attend(KvDataType type, long[] keyBlocks, long[] valueBlocks, int blockSize, int heads, int group, int headDim,
                float[] queries, int queryOffset, int begin, int end, float scale, float[] accumulated,
                float[] maxima, float[] sums, int stateOffset) {
        if (!attends(type, heads, headDim) || group < 1 || heads % group != 0
                || begin < 0 || end <= begin || Math.ceilDiv(end, blockSize) > Math.min(keyBlocks.length, valueBlocks.length)) {
            throw new IllegalArgumentException("native attention: " + heads + " heads of " + headDim + " values, "
                    + group + " per key/value head, positions " + begin + ".." + end + " in " + keyBlocks.length
                    + " blocks of " + blockSize + " (" + type + ")");
        }
        Objects.checkFromIndexSize(queryOffset, heads * headDim, queries.length);
        Objects.checkFromIndexSize((long) stateOffset * headDim, (long) heads * headDim, accumulated.length);
        Objects.checkFromIndexSize(stateOffset, heads, maxima.length);
        Objects.checkFromIndexSize(stateOffset, heads, sums.length);
        MethodHandle kernel = type == KvDataType.Q8_0 ? attendQ8_0 : attendF16;
        try {
            kernel.invokeExact(MemorySegment.ofArray(keyBlocks), MemorySegment.ofArray(valueBlocks), (long) blockSize,
                    (long) heads, (long) group, (long) headDim,
                    MemorySegment.ofArray(queries).asSlice((long) queryOffset * Float.BYTES), (long) begin, (long) end,
                    scale, MemorySegment.ofArray(accumulated).asSlice((long) stateOffset * headDim * Float.BYTES),
                    MemorySegment.ofArray(maxima).asSlice((long) stateOffset * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice((long) stateOffset * Float.BYTES));
        } catch (Throwable e) {
            throw new IllegalStateException("native attention failed", e);
        }
    }

    /** Positions per tile of {@link #attendRows}: the kernels' ROW_TILE. */
    private static final int ROW_TILE = 64;
    /** Query states (a row's query head) {@link #attendRows} takes through a tile together: STATE_BLOCK. */
    private static final int STATE_BLOCK = 4;

    /**
     * Floats of scratch {@link #attendRows} needs for up to {@code rows} rows: the widened key and value tiles,
     * a block's weights, and every state's running maximum, sum and values, the states padded to whole blocks.
     */
    static int attendRowsScratch(int headDim, int rows, int group) {
        return 2 * headDim * ROW_TILE + STATE_BLOCK * ROW_TILE + (rows * group + STATE_BLOCK - 1) * (headDim + 2);
    }

    /**
     * Prefill attention: query rows {@code [firstRow, endRow)} (row r at position {@code positions[r]}, heads
     * query heads of {@code headDim} values from {@code queries[r * heads * headDim]}) attend, for the
     * {@code group} query heads of key/value head {@code kvHead}, to the cached positions up to their own;
     * writes their heads' results into {@code output}, laid out as the queries. {@code keyBlocks[b]} and
     * {@code valueBlocks[b]} are the addresses of storage block b.
     */
    void attendRows(KvDataType type, long[] keyBlocks, long[] valueBlocks, int blockSize, int heads, int group,
                    int headDim, int kvHead, float[] queries, int[] positions, int firstRow, int endRow, float scale,
                    float[] output, float[] scratch) {
        int visible = 0;
        for (int r = firstRow; r < endRow; r++) {
            visible = Math.max(visible, positions[r] + 1);
        }
        if (!attends(type, heads, headDim) || group < 1 || heads % group != 0 || kvHead < 0 || kvHead >= heads / group
                || firstRow < 0 || endRow <= firstRow || endRow > positions.length
                || Math.ceilDiv(visible, blockSize) > Math.min(keyBlocks.length, valueBlocks.length)
                || (long) endRow * heads * headDim > Math.min(queries.length, output.length)
                || scratch.length < attendRowsScratch(headDim, endRow - firstRow, group)) {
            throw new IllegalArgumentException("native prefill attention: " + heads + " heads of " + headDim
                    + " values, " + group + " per key/value head, rows " + firstRow + ".." + endRow + " seeing "
                    + visible + " positions in " + keyBlocks.length + " blocks of " + blockSize + " (" + type + ")");
        }
        for (int r = firstRow; r < endRow; r++) {
            if (positions[r] < 0) {
                throw new IllegalArgumentException("negative position " + positions[r] + " in row " + r);
            }
        }
        try {
            attendRows.invokeExact(MemorySegment.ofArray(keyBlocks), MemorySegment.ofArray(valueBlocks),
                    (long) blockSize, type == KvDataType.Q8_0 ? 1 : 0, (long) heads, (long) group, (long) headDim,
                    (long) kvHead, MemorySegment.ofArray(queries), MemorySegment.ofArray(positions), (long) firstRow,
                    (long) endRow, scale, MemorySegment.ofArray(output), MemorySegment.ofArray(scratch));
        } catch (Throwable e) {
            throw new IllegalStateException("native prefill attention failed", e);
        }
    }

    /** Floats of scratch {@link #attendShared} needs for {@code rows} rows. */
    static int attendSharedScratch(int heads, int group, int headDim, int rows) {
        int padded = Math.ceilDiv(rows * group, STATE_BLOCK) * STATE_BLOCK;
        return 2 * headDim * ROW_TILE + STATE_BLOCK * ROW_TILE + heads / group * padded * (headDim + 2);
    }

    /**
     * Shared-prefix attention: batch rows {@code rows[0..count-1]} (each {@code heads} query heads of
     * {@code headDim} values from {@code queries[row * heads * headDim]}), of sequences that all hold the
     * cached blocks {@code keyBlocks} / {@code valueBlocks} up to {@code end}, attend together to positions
     * {@code [begin, end)}, which each of them sees whole: every block is read once for all of them. Leaves,
     * for the i-th row and head h, the range's softmax state in {@code maxima[stateOffset + i * heads + h]},
     * {@code sums[...]} and {@code accumulated[(stateOffset + i * heads + h) * headDim ..]}, as {@link #attend}.
     */
    void attendShared(KvDataType type, long[] keyBlocks, long[] valueBlocks, int blockSize, int heads, int group,
                      int headDim, float[] queries, int[] rows, int count, int begin, int end, float scale,
                      float[] accumulated, float[] maxima, float[] sums, int stateOffset, float[] scratch) {
        if (!attends(type, heads, headDim) || group < 1 || heads % group != 0 || count < 1 || count > rows.length
                || begin < 0 || end <= begin || Math.ceilDiv(end, blockSize) > Math.min(keyBlocks.length, valueBlocks.length)
                || scratch.length < attendSharedScratch(heads, group, headDim, count)) {
            throw new IllegalArgumentException("native shared attention: " + heads + " heads of " + headDim
                    + " values, " + group + " per key/value head, " + count + " rows, positions " + begin + ".." + end
                    + " in " + keyBlocks.length + " blocks of " + blockSize + " (" + type + ")");
        }
        for (int i = 0; i < count; i++) {
            Objects.checkFromIndexSize((long) rows[i] * heads * headDim, (long) heads * headDim, queries.length);
        }
        Objects.checkFromIndexSize((long) stateOffset * headDim, (long) count * heads * headDim, accumulated.length);
        Objects.checkFromIndexSize(stateOffset, count * heads, maxima.length);
        Objects.checkFromIndexSize(stateOffset, count * heads, sums.length);
        try {
            attendShared.invokeExact(MemorySegment.ofArray(keyBlocks), MemorySegment.ofArray(valueBlocks),
                    (long) blockSize, type == KvDataType.Q8_0 ? 1 : 0, (long) heads, (long) group, (long) headDim,
                    MemorySegment.ofArray(queries), MemorySegment.ofArray(rows), (long) count, (long) begin, (long) end,
                    scale, MemorySegment.ofArray(accumulated).asSlice((long) stateOffset * headDim * Float.BYTES),
                    MemorySegment.ofArray(maxima).asSlice((long) stateOffset * Float.BYTES),
                    MemorySegment.ofArray(sums).asSlice((long) stateOffset * Float.BYTES),
                    MemorySegment.ofArray(scratch));
        } catch (Throwable e) {
            throw new IllegalStateException("native shared attention failed", e);
        }
    }
}
