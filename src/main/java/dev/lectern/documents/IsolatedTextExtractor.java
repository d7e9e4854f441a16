package dev.lectern.documents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
 * A child that dies is simply replaced at the next document. {@link #prestart} starts the first child
 * ahead of any upload, so that the first document does not wait for one.
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
    /** The child {@link #prestart} is starting, until it is idle or a document has claimed it. */
    private CompletableFuture<ExtractionChild> prestarting;
    private boolean closed;
    private int processesStarted;
    private int processesPrestarted;

    /** Without OCR. */
    IsolatedTextExtractor(DataSize heap, int maxCharacters) {
        this(heap, maxCharacters, OcrSettings.off());
    }

    IsolatedTextExtractor(DataSize heap, int maxCharacters, OcrSettings ocr) {
        this(ExtractionCommand.forThisJvm(heap, maxCharacters, ocr), heap);
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

    /**
     * Starts a child in the background and has it read a one-page PDF ({@link WarmUpPdf}), so that the
     * first upload finds Tika and PDFBox loaded: on two cores shared with a benchmark, starting a child
     * took 17 s and its first PDF 4 s more. Returns at once. Does nothing when a child is idle or already
     * being started. A document that arrives while the child is still starting waits for it rather than
     * starting a second one, which would only halve the CPU each of them gets.
     */
    @Override
    public void prestart() {
        CompletableFuture<ExtractionChild> started = new CompletableFuture<>();
        synchronized (this) {
            if (closed || !idle.isEmpty() || prestarting != null) {
                return;
            }
            prestarting = started;
        }
        log.info("Starting a document extraction process in the background, so the first upload need not wait "
                + "for one (lectern.documents.prestart)");
        Thread.ofPlatform().daemon().name("extraction-process-prestart").start(() -> {
            long begun = System.nanoTime();
            ExtractionChild child;
            try {
                child = startChild();
            } catch (IOException | RuntimeException cannotStart) {
                synchronized (this) {
                    if (prestarting == started) {
                        prestarting = null;
                    }
                }
                log.warn("Could not start a document extraction process ahead of the first upload: {}. Each upload "
                        + "will try again, and its document will say so if that fails too.", cannotStart.getMessage());
                started.completeExceptionally(cannotStart);
                return;
            }
            warmUp(child);
            boolean discard = false;
            synchronized (this) {
                processesPrestarted++;
                if (prestarting == started) {
                    // Not claimed by a document meanwhile: it waits in the pool, within the same lock, so
                    // no document can find neither a child starting nor one idle.
                    prestarting = null;
                    discard = closed || !child.isAlive();
                    if (discard) {
                        all.remove(child);
                    } else {
                        idle.addFirst(child);
                    }
                }
            }
            if (discard) {
                child.close();
            } else if (child.isAlive()) {
                log.info("Document extraction process pid {} is ready ({} ms after start-up asked for it); uploads "
                        + "are read without waiting for one", child.pid(), (System.nanoTime() - begun) / 1_000_000);
            }
            started.complete(child);
        });
    }

    /** How many children were started so far: one per first document, one more after each death. */
    synchronized int processesStarted() {
        return processesStarted;
    }

    /** How many of those {@link #prestart} started. */
    synchronized int processesPrestarted() {
        return processesPrestarted;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** A child is idle or being started: the next document will not start one itself. */
    synchronized boolean hasChildReadyOrStarting() {
        return !idle.isEmpty() || prestarting != null;
    }

    /** Reads {@link WarmUpPdf} in the child; a failure only costs the warm-up (a dead child is replaced at the next document). */
    private void warmUp(ExtractionChild child) {
        Path file = null;
        try {
            file = Files.createTempFile("lectern-warm-up-", ".pdf");
            Files.write(file, WarmUpPdf.bytes());
            child.extract(file, "warm-up.pdf", READY_WITHIN, page -> { }, timer);
        } catch (IOException | ExtractionFailedException | ExtractionChild.Died | RuntimeException failed) {
            if (isClosed()) {
                return;
            }
            log.warn("The extraction process pid {} could not read its warm-up page ({}); the first PDF will take "
                    + "a little longer", child.pid(), failed.getMessage());
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // A leftover 500-byte file in the temporary directory harms nothing.
                }
            }
        }
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
        CompletableFuture<ExtractionChild> starting;
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
            starting = prestarting;
            prestarting = null;
        }
        if (starting != null) {
            ExtractionChild prestarted = awaitPrestarted(starting);
            if (prestarted != null) {
                return prestarted;
            }
        }
        try {
            return startChild();
        } catch (IOException cannotStart) {
            log.error("Could not start an extraction process: {}", cannotStart.getMessage(), cannotStart);
            throw new ExtractionFailedException("Lectern could not start the process that reads documents. This is a "
                    + "problem of the server, not of your file: the server log says why. Upload the file again once an "
                    + "administrator has fixed it (or set lectern.documents.isolation=in-process).", null, cannotStart);
        }
    }

    /** The child {@link #prestart} is starting, once it is ready; null when it failed or died (the caller starts one). */
    private ExtractionChild awaitPrestarted(CompletableFuture<ExtractionChild> starting) throws ExtractionFailedException {
        try {
            ExtractionChild child = starting.get();
            if (child.isAlive()) {
                return child;
            }
            synchronized (this) {
                all.remove(child);
            }
            child.close();
            return null;
        } catch (ExecutionException failedToStart) {
            return null;
        } catch (InterruptedException interrupted) {
            // The document was given up (its time limit passed): the child, once ready, waits for the next one.
            starting.thenAccept(child -> giveBack(child, true));
            Thread.currentThread().interrupt();
            throw new ExtractionFailedException("Reading the document was stopped while its extraction process was "
                    + "starting.", null, interrupted);
        }
    }

    private ExtractionChild startChild() throws IOException {
        long started = System.nanoTime();
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
