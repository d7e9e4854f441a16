package dev.lectern.inference;

import java.lang.management.ManagementFactory;

import org.springframework.util.unit.DataSize;

/**
 * How much memory the KV block pool may take, and why that much. Set by {@code lectern.cache.ram-bytes};
 * when it is empty, what the machine (or its container limit, which the JVM reports as its total) has left
 * after the model file (mapped, so it shares the page cache), the heap the JVM may grow to, and a reserve
 * for the OS and other processes. The pool takes blocks from the OS only as sequences need them, so the
 * budget is a ceiling, not an allocation.
 */
public record KvBudget(long bytes, String explanation) {

    /** The least an automatic budget gives: a few thousand positions of a small model. */
    static final long MINIMUM_BYTES = 256L << 20;

    public static KvBudget resolve(DataSize configured, long modelBytes) {
        if (configured != null) {
            return new KvBudget(configured.toBytes(), "set by lectern.cache.ram-bytes");
        }
        long total = totalMemory();
        long heap = Runtime.getRuntime().maxMemory();
        return automatic(total, modelBytes, heap);
    }

    static KvBudget automatic(long totalMemory, long modelBytes, long maxHeap) {
        long reserve = Math.max(1L << 30, totalMemory / 10);
        long left = totalMemory - modelBytes - maxHeap - reserve;
        String sizes = String.format("%s RAM - model %s - heap %s - reserve %s", human(totalMemory), human(modelBytes),
                human(maxHeap), human(reserve));
        if (left < MINIMUM_BYTES) {
            return new KvBudget(MINIMUM_BYTES, "automatic: " + sizes + " leaves less than " + human(MINIMUM_BYTES)
                    + ", so the minimum; set lectern.cache.ram-bytes to choose");
        }
        return new KvBudget(left, "automatic: " + sizes + "; set lectern.cache.ram-bytes to choose");
    }

    private static long totalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 4L << 30;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format("%.1f GB", bytes / (double) (1L << 30));
        }
        return String.format("%d MB", bytes >> 20);
    }
}
