package dev.lectern.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the Vector API gives this JVM on this CPU: the width the kernels will be written against
 * (their species), and whether native access for FFM is enabled. Reported at start-up and on the
 * status page, because a JVM started without Lectern's flags runs far slower or not at all.
 */
public record VectorCapabilities(int vectorBits, int floatLanes, boolean nativeAccessEnabled) {

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final String REQUIRED_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    /**
     * Reads the capabilities, or explains which JVM flag is missing. Touching a vector class without
     * the module resolved fails deep inside class loading, so the module is checked first.
     */
    public static VectorCapabilities detect() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            throw new IllegalStateException("The JVM was started without the Vector API module, which Lectern's"
                    + " engine needs. Start Lectern with ./lectern, or pass " + REQUIRED_FLAGS + " to java.");
        }
        VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
        return new VectorCapabilities(species.vectorBitSize(), species.length(),
                VectorCapabilities.class.getModule().isNativeAccessEnabled());
    }

    /**
     * The vector width, and a warning where native access is off. Which kernels run is
     * {@link CpuBackend#describeKernels}'s to say: "native access enabled" here used to read as if the native
     * kernels ran, on CPUs where they did not.
     */
    public String describe() {
        return vectorBits + "-bit vectors (" + floatLanes + " floats per instruction)"
                + (nativeAccessEnabled ? "" : "; native access DISABLED: pass " + REQUIRED_FLAGS);
    }
}
