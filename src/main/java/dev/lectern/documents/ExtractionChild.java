package dev.lectern.documents;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's handle on one extraction process ({@link ExtractionWorkerMain}): starts it, sends it one
 * document at a time, relays its progress, and when it dies says how (exit code, out of memory, killed
 * for its time limit). Used by one thread at a time; {@link IsolatedTextExtractor} pools them.
 *
 * <p>The time limit is kept here, not only in the child: a parser that loops without producing output
 * never reaches the child's own deadline check, so past the limit (plus a short grace for the child to
 * report a time-out itself and stay usable) the process is killed.
 */
final class ExtractionChild implements AutoCloseable {

    /** How a child ended while it had a document: the facts, for the caller to put into words. */
    static final class Died extends Exception {

        private final int exitCode;
        private final boolean killedForTimeLimit;
        private final boolean outOfMemory;
        private final String mediaType;

        Died(String description, int exitCode, boolean killedForTimeLimit, boolean outOfMemory, String mediaType) {
            super(description);
            this.exitCode = exitCode;
            this.killedForTimeLimit = killedForTimeLimit;
            this.outOfMemory = outOfMemory;
            this.mediaType = mediaType;
        }

        int exitCode() {
            return exitCode;
        }

        boolean killedForTimeLimit() {
            return killedForTimeLimit;
        }

        boolean outOfMemory() {
            return outOfMemory;
        }

        /** What the child had detected before it died, or null. */
        String mediaType() {
            return mediaType;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ExtractionChild.class);
    /** Time the child gets past the limit to stop the parse itself (and stay usable) before it is killed. */
    static final Duration KILL_GRACE = Duration.ofSeconds(2);
    private static final int STDERR_LINES_KEPT = 30;
    /** -XX:+ExitOnOutOfMemoryError exits with this code. */
    private static final int OUT_OF_MEMORY_EXIT = 3;
    private static final Duration STDERR_DRAIN_WAIT = Duration.ofSeconds(10);

    private final Process process;
    private final DataOutputStream requests;
    private final DataInputStream answers;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrReader;
    private int documentsExtracted;
    private long idleSinceNanos = System.nanoTime();

    private ExtractionChild(Process process) {
        this.process = process;
        this.requests = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
        this.answers = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        this.stderrReader = new Thread(this::drainStderr, "extraction-process-" + process.pid() + "-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    /**
     * Starts a child and waits until it has loaded Tika and says it is ready.
     *
     * @throws IOException when the process cannot be started or does not get ready in time; the message
     *                     carries the child's last output for the server log
     */
    static ExtractionChild start(List<String> command, Duration readyWithin, ScheduledExecutorService timer)
            throws IOException {
        Process process = new ProcessBuilder(command).start();
        ExtractionChild child = new ExtractionChild(process);
        ScheduledFuture<?> alarm = timer.schedule(process::destroyForcibly, readyWithin.toMillis(), TimeUnit.MILLISECONDS);
        try {
            int tag = child.answers.read();
            if (tag != ExtractionProtocol.READY || child.answers.readInt() != ExtractionProtocol.VERSION) {
                throw new IOException("it answered " + tag + " instead of READY");
            }
            return child;
        } catch (IOException notReady) {
            process.destroyForcibly();
            int exit = child.exitCode();
            throw new IOException("The extraction process (pid " + process.pid() + ") did not start"
                    + (alarm.isDone() && !alarm.isCancelled() ? " within " + readyWithin.toSeconds() + " s" : "")
                    + " (exit code " + exit + "; " + notReady.getMessage() + "). Command: " + String.join(" ", command)
                    + "\nIts last output:\n" + child.stderrTail(), notReady);
        } finally {
            alarm.cancel(false);
        }
    }

    /**
     * Extracts one document in the child. A problem with the file comes back as the child's
     * {@link ExtractionFailedException} (the child stays usable); the child's death as {@link Died}.
     */
    ExtractedDocument extract(Path file, String filename, Duration timeout, ExtractionListener listener,
            ScheduledExecutorService timer) throws ExtractionFailedException, Died {
        AtomicBoolean killedForTimeLimit = new AtomicBoolean();
        String mediaType = null;
        ScheduledFuture<?> alarm = killAfter(timeout, killedForTimeLimit, timer);
        try {
            requests.writeByte(ExtractionProtocol.EXTRACT);
            ExtractionProtocol.writeString(requests, file.toAbsolutePath().toString());
            ExtractionProtocol.writeString(requests, filename);
            requests.writeLong(timeout.toMillis());
            requests.flush();
            while (true) {
                int tag = answers.read();
                switch (tag) {
                    case ExtractionProtocol.PAGE -> listener.pageStarted(answers.readInt());
                    case ExtractionProtocol.OCR_PAGE -> {
                        int page = answers.readInt();
                        int pages = answers.readInt();
                        Duration allowance = Duration.ofMillis(answers.readLong());
                        // Each scanned page has its own limit: the clock starts over for it.
                        alarm.cancel(false);
                        alarm = killAfter(allowance, killedForTimeLimit, timer);
                        listener.ocrPage(page, pages);
                    }
                    case ExtractionProtocol.MEDIA_TYPE -> {
                        mediaType = ExtractionProtocol.readString(answers);
                        listener.mediaTypeDetected(mediaType);
                    }
                    case ExtractionProtocol.DONE -> {
                        documentsExtracted++;
                        return ExtractionProtocol.readDocument(answers);
                    }
                    case ExtractionProtocol.FAILED -> {
                        documentsExtracted++;
                        String message = ExtractionProtocol.readString(answers);
                        throw new ExtractionFailedException(message, ExtractionProtocol.readString(answers), null);
                    }
                    case -1 -> throw new EOFException("its output ended");
                    default -> throw new IOException("it sent an unknown frame " + tag);
                }
            }
        } catch (IOException lost) {
            process.destroyForcibly();
            int exit = exitCode();
            boolean outOfMemory = exit == OUT_OF_MEMORY_EXIT && stderrTail().contains("OutOfMemoryError");
            throw new Died("extraction process pid " + process.pid() + " ended while reading " + filename + " (exit code "
                    + exit + (killedForTimeLimit.get() ? ", killed at its time limit" : "") + "; " + lost.getMessage()
                    + "). Its last output:\n" + stderrTail(), exit, killedForTimeLimit.get(), outOfMemory, mediaType);
        } finally {
            alarm.cancel(false);
            idleSinceNanos = System.nanoTime();
        }
    }

    /** Kills the process once {@code limit} and a short grace have passed, unless cancelled. */
    private ScheduledFuture<?> killAfter(Duration limit, AtomicBoolean killedForTimeLimit, ScheduledExecutorService timer) {
        return timer.schedule(() -> {
            killedForTimeLimit.set(true);
            process.destroyForcibly();
        }, limit.plus(KILL_GRACE).toMillis(), TimeUnit.MILLISECONDS);
    }

    long pid() {
        return process.pid();
    }

    int documentsExtracted() {
        return documentsExtracted;
    }

    Duration idleFor() {
        return Duration.ofNanos(System.nanoTime() - idleSinceNanos);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Closing stdin tells the child to exit; one that does not within a second is killed. */
    @Override
    public void close() {
        try {
            requests.close();
        } catch (IOException alreadyGone) {
            // A dead child's pipe: nothing left to tell it.
        }
        try {
            if (!process.waitFor(1, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the child now, whatever it is doing (server shut-down). */
    void kill() {
        process.destroyForcibly();
    }

    private int exitCode() {
        try {
            if (process.waitFor(5, TimeUnit.SECONDS)) {
                // The child's last words (the out-of-memory line among them) end with its stderr. Its reader
                // ends when the pipe closes; on a loaded machine that took more than a second once, and the
                // out-of-memory death was then reported as a crash.
                stderrReader.join(STDERR_DRAIN_WAIT.toMillis());
                return process.exitValue();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private void drainStderr() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                log.debug("extraction process {}: {}", process.pid(), line);
                synchronized (stderrTail) {
                    if (stderrTail.size() == STDERR_LINES_KEPT) {
                        stderrTail.removeFirst();
                    }
                    stderrTail.addLast(line);
                }
            }
        } catch (IOException closed) {
            // The child is gone; what it said is in the tail.
        }
    }

    private String stderrTail() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "(nothing)" : String.join("\n", stderrTail);
        }
    }
}
