package dev.lectern.admin;

/**
 * The CPU panel: the processor, this process's CPU use (percent of all cores) and the system's load
 * averages, resident memory, the Java heap, memory off the heap (the KV cache's blocks taken from the OS so
 * far, and NIO's direct buffers), the model file mapped into memory, and the kernels the engine runs. A
 * figure the OS does not give is null (resident memory and load outside Linux).
 */
public record CpuStats(String processor, int cores, int engineThreads, Double processCpuPercent, double[] loadAverage,
                       Long residentBytes, long heapUsedBytes, long heapCommittedBytes, long heapMaxBytes,
                       long kvResidentBytes, long directBufferBytes, long mappedModelBytes, String backend,
                       String kernels) {
}
