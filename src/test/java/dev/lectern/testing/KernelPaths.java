package dev.lectern.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.cpu.NativeKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU kernel paths the tests hold to the same bounds: every path this machine can run, in one JVM, so a
 * regression on a path this machine would not choose by itself still fails the suite here.
 * <ul>
 * <li>{@code native}: the native kernels (kernels/cpu), where they load (an x86-64 CPU with AVX-512);
 * <li>{@code vector-N}: the Vector API kernels at the CPU's widest width, what {@code -Dlectern.cpu.native=false}
 * runs;
 * <li>{@code vector-256}: the Vector API kernels at 256 bits, where the widest width is more: what a CPU
 * without AVX-512 (most users' CPUs: AVX2) runs, with the same summation order.
 * </ul>
 * Bounds measured "on both paths" in the tests mean on each of these. More native instruction sets (AVX2,
 * AVX-VNNI) join the list here, as one path each, when their kernels exist.
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

    /** Every path this machine runs: native first where it loads, then the Vector API's widths. */
    public static List<KernelPath> all() {
        List<KernelPath> paths = new ArrayList<>();
        NativeKernels.Availability availability = NativeKernels.load();
        if (availability.loaded()) {
            paths.add(new KernelPath("native", threads -> new CpuBackend(threads, FloatVector.SPECIES_PREFERRED,
                    availability)));
        }
        paths.addAll(vector());
        return List.copyOf(paths);
    }

    /** The Vector API paths only: the widest width, and 256 bits where the widest is more. */
    public static List<KernelPath> vector() {
        List<KernelPath> paths = new ArrayList<>();
        paths.add(vector(FloatVector.SPECIES_PREFERRED));
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256) {
            paths.add(vector(FloatVector.SPECIES_256));
        }
        return List.copyOf(paths);
    }

    private static KernelPath vector(VectorSpecies<Float> species) {
        return new KernelPath("vector-" + species.vectorBitSize(), threads -> new CpuBackend(threads, species));
    }
}
