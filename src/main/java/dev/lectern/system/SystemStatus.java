package dev.lectern.system;

import dev.lectern.inference.EngineStatus;

/**
 * What an operator checks first: which build, which JVM and vector width, which CPU kernels (the native
 * instruction set in use, or why none), which model and whether the engine serves it (with its backend, KV
 * budget and load), which database, and how much room is left. Shown on the home page and by
 * {@code GET /api/status}.
 */
public record SystemStatus(
        String version,
        String javaVersion,
        int cpuCores,
        int engineThreads,
        String vectorSupport,
        String cpuKernels,
        ModelStatus model,
        EngineStatus engine,
        long maxUploadBytes,
        DatabaseStatus database,
        String dataDirectory,
        long dataDirectoryFreeBytes) {

    /** The configured model file, whether it is there, and the context window it will be run with. */
    public record ModelStatus(String path, boolean configured, boolean fileFound, long fileBytes, int contextLength) {
    }

    /** Embedded or external, and the server's own version string. */
    public record DatabaseStatus(String mode, String serverVersion) {
    }
}
