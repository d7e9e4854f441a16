package dev.lectern.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Turns a test that waited in vain (a client's response timeout, a future that never completed) into a
 * failure that says what the app's threads were doing at that moment. The app runs in the test's JVM, so
 * the cause of a hang is in one of them; and CI shows only the failure's message, not the test's log, so
 * the message carries a short summary (the full dump goes to the test's output file).
 *
 * <p>Registered for every test through {@code META-INF/services} and JUnit's extension auto-detection.
 */
public final class HangDiagnosis implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    /** Threads that serve requests or do the app's blocking work; the rest (JUnit, GC, JDK) rarely explain a hang. */
    private static final List<String> APP_THREADS = List.of("reactor-http", "webflux-http", "boundedElastic", "parallel", "lectern",
            "HikariPool", "engine", "scheduler", "prefix", "document", "extract");
    private static final int SUMMARY_LINES = 40;

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw diagnosed(failure);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw diagnosed(failure);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw diagnosed(failure);
    }

    static Throwable diagnosed(Throwable failure) {
        if (!isWaitInVain(failure)) {
            return failure;
        }
        System.out.println(ThreadDump.now());
        AssertionError explained = new AssertionError(failure + "\n" + summary(), failure);
        explained.setStackTrace(failure.getStackTrace());
        return explained;
    }

    /** Reactor's "Timeout on blocking read", a {@link TimeoutException} or a wait that says it timed out. */
    static boolean isWaitInVain(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof TimeoutException || message.startsWith("Timeout on blocking read")
                    || cause.getClass().getSimpleName().contains("Timeout") || message.contains("timed out")) {
                return true;
            }
        }
        return false;
    }

    /** One line per app thread that is not idle, with the frame that says most about what it waits for. */
    static String summary() {
        ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
        List<String> lines = Arrays.stream(threads)
                .filter(thread -> APP_THREADS.stream().anyMatch(thread.getThreadName()::contains))
                .sorted(Comparator.comparing(ThreadInfo::getThreadName))
                .map(HangDiagnosis::line)
                .toList();
        long idle = lines.stream().filter(line -> line.endsWith("(idle)")).count();
        String busy = lines.stream().filter(line -> !line.endsWith("(idle)")).limit(SUMMARY_LINES)
                .collect(Collectors.joining("\n  ", "  ", ""));
        return "---- app threads when the wait ended: " + (lines.size() - idle) + " busy, " + idle
                + " idle (full dump in the test's output) ----\n" + busy + "\n  " + boundedElastic();
    }

    /** How many tasks wait in each of Reactor's shared boundedElastic threads: blocked work queues up there. */
    static String boundedElastic() {
        Scheduler shared = Schedulers.boundedElastic();
        if (shared instanceof Supplier<?> cached && cached.get() instanceof Scheduler actual) {
            shared = actual;
        }
        Scannable scannable = Scannable.from(shared);
        String queued = scannable.inners().map(state -> String.valueOf(state.scan(Scannable.Attr.BUFFERED)))
                .collect(Collectors.joining(", ", "[", "]"));
        return "Reactor " + shared + ": tasks queued per thread " + queued;
    }

    private static String line(ThreadInfo thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        String where = Arrays.stream(stack).filter(frame -> frame.getClassName().startsWith("dev.lectern"))
                .findFirst().map(StackTraceElement::toString)
                .orElse(stack.length == 0 ? "-" : stack[0].toString());
        String state = thread.getThreadState() + (thread.getLockName() == null ? "" : " on " + thread.getLockName())
                + (thread.getLockOwnerName() == null ? "" : " owned by " + thread.getLockOwnerName());
        return thread.getThreadName() + ": " + state + " at " + where + (isIdle(stack) ? " (idle)" : "");
    }

    /** Waiting for work in a pool's queue or for the network: the normal state of a thread with nothing to do. */
    private static boolean isIdle(StackTraceElement[] stack) {
        return Arrays.stream(stack).limit(12).anyMatch(frame -> {
            String method = frame.getClassName() + "." + frame.getMethodName();
            return method.contains("epollWait") || method.contains("EpollIoHandler.run")
                    || method.endsWith("ThreadPoolExecutor.getTask")
                    || method.contains("ScheduledThreadPoolExecutor$DelayedWorkQueue.take");
        }) && Arrays.stream(stack).noneMatch(frame -> frame.getClassName().startsWith("dev.lectern"));
    }
}
