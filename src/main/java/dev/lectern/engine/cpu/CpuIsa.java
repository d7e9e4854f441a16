package dev.lectern.engine.cpu;

import java.util.Locale;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The instruction sets Lectern's CPU kernels are built for, best first. The three native ones are sets of
 * functions in one library ({@code kernels/cpu}), chosen at load by what the CPU has ({@link NativeKernels});
 * {@link #VECTOR} is the Java Vector API alone, which runs anywhere. {@code -Dlectern.cpu.isa=NAME} picks a
 * lower set on a CPU that has a higher one, so any AVX-512 machine can run and test what an AVX2 laptop runs.
 */
public enum CpuIsa {

    /** AVX-512 F, BW, VL, DQ with VNNI and VBMI: Intel Ice Lake and later servers, AMD Zen 4 and Zen 5. */
    AVX512("avx512", "AVX-512 (F, BW, VL, DQ, VNNI, VBMI)"),
    /** AVX2, FMA, F16C and the 256-bit VEX form of VNNI: Intel 12th generation and later, AMD Zen 5. */
    AVXVNNI("avxvnni", "AVX2 + AVX-VNNI"),
    /** AVX2, FMA, F16C: Intel Haswell (2013) and later, AMD Zen 1 and later. */
    AVX2("avx2", "AVX2 + FMA + F16C"),
    /** No native kernels: the Vector API at the JVM's preferred width. */
    VECTOR("vector", "Vector API only");

    private final String id;
    private final String description;

    CpuIsa(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name {@code lectern.cpu.isa} takes and the native functions' suffix: avx512, avxvnni, avx2, vector. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public boolean isNative() {
        return this != VECTOR;
    }

    /**
     * The vector width the Java kernels run at beside this set's native kernels: 256 bits for the AVX2 sets
     * (what an AVX2 CPU offers, so a forced AVX2 run on an AVX-512 machine measures what that CPU would),
     * the JVM's preferred width otherwise.
     */
    public VectorSpecies<Float> species() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        return (this == AVX2 || this == AVXVNNI) && preferred.vectorBitSize() > 256 ? FloatVector.SPECIES_256 : preferred;
    }

    /** The set named {@code name} (case-insensitive), or an exception listing the names. */
    public static CpuIsa parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (CpuIsa isa : values()) {
            if (isa.id.equals(wanted)) {
                return isa;
            }
        }
        throw new IllegalArgumentException("unknown instruction set '" + name + "' for lectern.cpu.isa; choose avx512,"
                + " avxvnni, avx2 or vector");
    }
}
