package dev.lectern.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's peak resident memory (VmHWM), which counts the mapped model file's pages, the KV cache
 * and the Java heap together: the figure the memory budget (file + KV cache + 300 MB) is checked against.
 */
final class PeakMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private PeakMemory() {
    }

    /** Peak resident bytes so far, or empty where /proc is not there (not Linux). */
    static OptionalLong peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] fields = line.substring("VmHWM:".length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(fields[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
