package dev.lectern.documents;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * Extraction in child JVMs ({@link ExtractionChild}), each with a heap of its own
 * ({@code lectern.documents.extraction-heap}), so a parser that runs out of memory, crashes the JVM or
 * never returns costs one child and one document, never the server. Children are kept warm between
 * documents: starting one and loading Tika takes 3–5 s on two cores (more from the packaged jar),
 * while a warm child adds about 50 ms to a document. They are retired after 5 idle minutes (each holds
 * about 130 MB) and after 200 documents, so a slow leak in a parser library cannot grow without end.
 * A child that dies is simply replaced at the next document.
 */
final class IsolatedTextExtractor implements TextExtractor {

    private static final Logger log = LoggerFactory.getLogger(IsolatedTextExtractor.class);
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration IDLE_LIMIT = Duration.ofMinutes(5);
    private static final int DOCUMENTS_PER_CHILD = 200;

    private final List<String> command;
    private final DataSize heap;
    private final ScheduledExecutorService timer;
    private final Deque<ExtractionChild> idle = new ArrayDeque<>();
    private final Set<ExtractionChild> all = new HashSet<>();
    private boolean closed;
    private int processesStarted;

    IsolatedTextExtractor(DataSize heap, int maxCharacters) {
        this(ExtractionCommand.forThisJvm(heap, maxCharacters), heap);
    }

    IsolatedTextExtractor(List<String> command, DataSize heap) {
        this.command = List.copyOf(command);
        this.heap = heap;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "extraction-process-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::retireIdleChildren, 1, 1, TimeUnit.MINUTES);
    }

    @Override
    public ExtractedDocument extract(Path file, String filename, Duration timeout, ExtractionListener listener)
            throws ExtractionFailedException {
        ExtractionChild child = borrow();
        boolean usable = false;
        try {
            ExtractedDocument document = child.extract(file, filename, timeout, listener, timer);
            usable = true;
            return document;
        } catch (ExtractionFailedException fileProblem) {
            usable = true;
            throw fileProblem;
        } catch (ExtractionChild.Died died) {
            throw explain(died, filename, timeout);
        } finally {
            giveBack(child, usable);
        }
    }

    /** How many children were started so far: one per first document, one more after each death. */
    synchronized int processesStarted() {
        return processesStarted;
    }

    private ExtractionFailedException explain(ExtractionChild.Died died, String filename, Duration timeout) {
        String kind = TikaTextExtractor.describe(died.mediaType());
        if (died.killedForTimeLimit()) {
            log.warn("Extraction of {} passed its {} limit without stopping; its process was killed ({})", filename,
                    ExtractionFailedException.describe(timeout), died.getMessage());
            return ExtractionFailedException.timedOut(kind, timeout, died.mediaType(), null);
        }
        log.warn("The extraction process died while reading {}: {}", filename, died.getMessage());
        if (died.outOfMemory()) {
            return new ExtractionFailedException("The parser ran out of memory on this " + kind + ": reading it needed "
                    + "more than the " + heap.toMegabytes() + " MB an extraction may use (lectern.documents.extraction-heap). "
                    + "The file may be damaged or unusually complex; an administrator can raise the limit. Lectern "
                    + "itself was not affected.", died.mediaType(), null);
        }
        String signal = died.exitCode() > 128 && died.exitCode() < 160
                ? ", stopped by signal " + (died.exitCode() - 128) + (died.exitCode() == 137
                        ? ", which the system sends when it runs short of memory" : "")
                : "";
        return new ExtractionFailedException("The parser crashed while reading this " + kind + " (exit code "
                + died.exitCode() + signal + "). The file may be damaged or use a feature the parser mishandles; "
                + "Lectern itself was not affected. Re-save the file in its own application and upload it again.",
                died.mediaType(), null);
    }

    private ExtractionChild borrow() throws ExtractionFailedException {
        synchronized (this) {
            if (closed) {
                throw new ExtractionFailedException("Lectern is shutting down; the document will be read when it "
                        + "starts again.", null, null);
            }
            for (ExtractionChild warm; (warm = idle.pollFirst()) != null; ) {
                if (warm.isAlive()) {
                    return warm;
                }
                all.remove(warm);
            }
        }
        long started = System.nanoTime();
        try {
            ExtractionChild child = ExtractionChild.start(command, READY_WITHIN, timer);
            log.info("Started extraction process pid {} (heap {} MB) in {} ms", child.pid(), heap.toMegabytes(),
                    (System.nanoTime() - started) / 1_000_000);
            synchronized (this) {
                processesStarted++;
                all.add(child);
                if (closed) {
                    child.kill();
                }
            }
            return child;
        } catch (IOException cannotStart) {
            log.error("Could not start an extraction process: {}", cannotStart.getMessage(), cannotStart);
            throw new ExtractionFailedException("Lectern could not start the process that reads documents. This is a "
                    + "problem of the server, not of your file: the server log says why. Upload the file again once an "
                    + "administrator has fixed it (or set lectern.documents.isolation=in-process).", null, cannotStart);
        }
    }

    private void giveBack(ExtractionChild child, boolean usable) {
        boolean keep;
        synchronized (this) {
            keep = usable && !closed && child.isAlive() && child.documentsExtracted() < DOCUMENTS_PER_CHILD;
            if (keep) {
                idle.addFirst(child);
            } else {
                all.remove(child);
            }
        }
        if (!keep) {
            child.close();
        }
    }

    private void retireIdleChildren() {
        List<ExtractionChild> retired;
        synchronized (this) {
            retired = idle.stream().filter(child -> child.idleFor().compareTo(IDLE_LIMIT) > 0).toList();
            idle.removeAll(retired);
            retired.forEach(all::remove);
        }
        for (ExtractionChild child : retired) {
            log.debug("Closing extraction process pid {}, idle for {}", child.pid(), IDLE_LIMIT);
            child.close();
        }
    }

    /** Ends every child, busy ones included: their documents are redone at the next start-up. */
    @Override
    public void close() {
        List<ExtractionChild> children;
        synchronized (this) {
            closed = true;
            children = List.copyOf(all);
            all.clear();
            idle.clear();
        }
        children.forEach(ExtractionChild::kill);
        timer.shutdownNow();
    }
}
