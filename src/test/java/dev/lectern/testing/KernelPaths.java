package dev.lectern.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.cpu.CpuIsa;
import dev.lectern.engine.cpu.NativeKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU kernel paths the tests hold to the same bounds: every path this machine can run, in one JVM, so a
 * regression on a path this machine would not choose by itself still fails the suite here. One scheme for
 * every kernel test, whatever the system properties of the test JVM say:
 * <ul>
 * <li>{@code native-avx512}, {@code native-avxvnni}, {@code native-avx2}: the native kernels of every
 * instruction set this CPU runs ({@link NativeKernels#supportedIsas()}), each beside the Vector API at that
 * set's own width ({@link CpuIsa#species()}: 256 bits for the AVX2 sets), as {@code -Dlectern.cpu.isa=NAME}
 * runs them; on an AVX-512 machine all three, so what an AVX2 laptop runs is tested here too;
 * <li>{@code vector-N}: the Vector API kernels alone at the CPU's widest width, what
 * {@code -Dlectern.cpu.isa=vector} (or {@code -Dlectern.cpu.native=false}) runs, and what runs wherever the
 * native library was not built;
 * <li>with {@link #withNarrowVectors()} also {@code vector-256} where the widest width is more: the Vector
 * API kernels of a CPU with AVX2 but no native library, whose panel kernels no other path runs at 256 bits.
 * The forward-parity test against llama.cpp leaves it out (it costs a minute and a half there, and the
 * kernel tests already hold it to the reference).
 * </ul>
 * Bounds measured "on every path" in the tests mean on each of these.
 */
public final class KernelPaths {

    /** A way to build a {@link CpuBackend}: its name in test output, and the backend for a thread count. */
    public record KernelPath(String name, IntFunction<CpuBackend> factory) {

        public CpuBackend open(int threads) {
            return factory.apply(threads);
        }

        /** Whether it runs native kernels (whose int8 products round activations as llama.cpp does). */
        public boolean isNative() {
            return name.startsWith("native");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private KernelPaths() {
    }

    /** Every native instruction set this machine runs, best first, then the Vector API at its widest. */
    public static List<KernelPath> all() {
        List<KernelPath> paths = new ArrayList<>();
        for (CpuIsa isa : NativeKernels.supportedIsas()) {
            NativeKernels.Availability kernels = NativeKernels.load(isa);
            paths.add(new KernelPath("native-" + isa.id(), threads -> new CpuBackend(threads, kernels)));
        }
        paths.add(vector(FloatVector.SPECIES_PREFERRED));
        return List.copyOf(paths);
    }

    /** {@link #all()}, and the Vector API alone at 256 bits where the widest width is more. */
    public static List<KernelPath> withNarrowVectors() {
        List<KernelPath> paths = new ArrayList<>(all());
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256) {
            paths.add(vector(FloatVector.SPECIES_256));
        }
        return List.copyOf(paths);
    }

    private static KernelPath vector(VectorSpecies<Float> species) {
        return new KernelPath("vector-" + species.vectorBitSize(), threads -> new CpuBackend(threads, species));
    }
}
