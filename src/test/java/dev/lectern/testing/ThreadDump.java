package dev.lectern.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Every thread's stack with the monitors and locks it holds or waits for: what a test that timed out prints,
 * since the app runs in the test's JVM and a hang's cause is in one of these threads.
 */
public final class ThreadDump {

    private ThreadDump() {
    }

    public static String now() {
        ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        String header = deadlocked == null ? "no deadlock among monitors and locks"
                : "DEADLOCK among threads " + Arrays.toString(deadlocked);
        return Arrays.stream(threads).map(ThreadDump::describe)
                .collect(Collectors.joining("", "\n---- thread dump: " + header + " ----\n", "---- end of dump ----\n"));
    }

    private static String describe(ThreadInfo thread) {
        StringBuilder text = new StringBuilder();
        text.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
        if (thread.getLockName() != null) {
            text.append(" on ").append(thread.getLockName());
        }
        if (thread.getLockOwnerName() != null) {
            text.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
        }
        text.append('\n');
        StackTraceElement[] stack = thread.getStackTrace();
        for (int i = 0; i < stack.length && i < 40; i++) {
            text.append("    at ").append(stack[i]).append('\n');
            for (var monitor : thread.getLockedMonitors()) {
                if (monitor.getLockedStackDepth() == i) {
                    text.append("    - locked ").append(monitor).append('\n');
                }
            }
        }
        for (var lock : thread.getLockedSynchronizers()) {
            text.append("    - holds ").append(lock).append('\n');
        }
        return text.append('\n').toString();
    }
}
