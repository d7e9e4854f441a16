package dev.lectern.documents;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.lectern.config.LecternProperties;
import dev.lectern.inference.EngineReady;

/**
 * Takes an uploaded document to its final status on a fixed pool of extraction threads (never a
 * request thread): extract with Tika, then count tokens and check the context budget. Every status change
 * is saved, then published. Parsing runs in child processes ({@link IsolatedTextExtractor}, which kills
 * a child past the time limit) unless {@code lectern.documents.isolation} is {@code in-process}; there a
 * parse past its deadline is stopped from inside by the content handler, and a parser stuck where it
 * produces no output is caught by a watchdog that marks the document failed and interrupts the thread
 * (its late result, if any, is then ignored because the row has moved on). Work a stopped server left
 * unfinished is redone at start-up. When the application is ready, and unless
 * {@code lectern.documents.prestart} is false, an extraction process is started in the background so the
 * first upload does not wait for one.
 */
@Component
class DocumentProcessor implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DocumentProcessor.class);
    /** The watchdog waits a little past the handler's own deadline, which normally fires first. */
    private static final Duration WATCHDOG_GRACE = Duration.ofSeconds(5);
    private static final long PROGRESS_INTERVAL_NANOS = Duration.ofMillis(200).toNanos();

    private final DocumentRepository documents;
    private final DocumentStore store;
    private final DocumentEvents events;
    private final TokenCounter tokens;
    private final ContextBudget budget;
    private final PromptBuilder prompts;
    private final DocumentPrefixes prefixes;
    private final TextExtractor extractor;
    private final Duration timeout;
    /** How long each page OCR reads may take, on top of the parse's timeout. */
    private final Duration ocrPageAllowance;
    private final boolean prestart;
    private final ExecutorService workers;
    private final ScheduledExecutorService watchdog;
    /** Set at shut-down: a parse cut short by it is redone at the next start, not marked failed. */
    private volatile boolean stopping;

    DocumentProcessor(LecternProperties properties, DocumentRepository documents, DocumentStore store,
            DocumentEvents events, TokenCounter tokens, ContextBudget budget, PromptBuilder prompts,
            DocumentPrefixes prefixes) {
        this.prestart = properties.documents().prestart();
        this.documents = documents;
        this.store = store;
        this.events = events;
        this.tokens = tokens;
        this.budget = budget;
        this.prompts = prompts;
        this.prefixes = prefixes;
        LecternProperties.Documents settings = properties.documents();
        this.extractor = switch (settings.isolation()) {
            case PROCESS -> new IsolatedTextExtractor(settings.extractionHeap(), settings.maxCharacters(),
                    OcrSettings.of(settings));
            case IN_PROCESS -> new TikaTextExtractor(settings.maxCharacters(), OcrSettings.of(settings));
        };
        this.ocrPageAllowance = OcrSettings.of(settings).pageAllowance();
        this.timeout = properties.documents().extractionTimeout();
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(properties.documents().extractionThreads(), runnable -> {
            Thread thread = new Thread(runnable, "document-extraction-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "document-extraction-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    void submit(UUID documentId) {
        workers.execute(() -> {
            try {
                process(documentId);
            } catch (RuntimeException unexpected) {
                log.error("Processing document {} failed unexpectedly", documentId, unexpected);
                if (documents.fail(documentId, null, "Lectern failed while processing this document (an internal "
                        + "error, logged on the server). Delete it and upload it again.")) {
                    publishCurrent(documentId);
                }
            }
        });
    }

    /** First the extraction process (in the background), so that resumed documents find it starting. */
    @EventListener(ApplicationReadyEvent.class)
    void startWork() {
        if (prestart) {
            extractor.prestart();
        }
        resumeUnfinishedWork();
    }

    /**
     * Once a model is ready, documents are checked against it as if they had been uploaded now: those extracted
     * while none was (token count unknown, or counted but not encoded) are counted and encoded, and those too
     * long for the last model's context are counted again, since the context may have grown.
     */
    @EventListener(EngineReady.class)
    void checkDocumentsAgainstTheModel() {
        workers.execute(() -> {
            List<Document> waiting = documents.findWaitingForModel();
            if (!waiting.isEmpty()) {
                log.info("The model is ready: counting {} document(s) again (extracted while no model was ready, or too"
                        + " long for the last context) and encoding those that fit", waiting.size());
            }
            for (Document document : waiting) {
                UUID id = document.id();
                if (documents.changeStatus(id, document.status(), DocumentStatus.TOKENIZING)) {
                    publishCurrent(id);
                    workers.execute(() -> documents.findText(id).ifPresent(text ->
                            countTokens(documents.findById(id).orElse(null), text)));
                }
            }
        });
    }

    /** The extractor, for tests that check what it has started. */
    TextExtractor extractor() {
        return extractor;
    }

    private void resumeUnfinishedWork() {
        List<UUID> unfinished = documents.findUnfinished();
        if (!unfinished.isEmpty()) {
            log.info("Resuming {} document(s) the last run left unfinished", unfinished.size());
        }
        for (UUID id : unfinished) {
            documents.restart(id);
            submit(id);
        }
    }

    private void process(UUID id) {
        Document document = documents.findById(id).orElse(null);
        if (document == null || !documents.changeStatus(id, DocumentStatus.UPLOADED, DocumentStatus.EXTRACTING)) {
            return;
        }
        publishCurrent(id);
        long started = System.nanoTime();
        ExtractedDocument extracted = extract(document);
        if (extracted == null) {
            return;
        }
        log.info("Extracted {} ({}, {} bytes): {} characters{} in {} ms", document.filename(), extracted.mediaType(),
                document.sizeBytes(), extracted.text().length(),
                extracted.pageCount() == null ? "" : ", " + extracted.pageCount() + " pages",
                (System.nanoTime() - started) / 1_000_000);
        if (!documents.saveExtraction(id, extracted)) {
            return;
        }
        publishCurrent(id);
        countTokens(documents.findById(id).orElse(null), extracted.text());
    }

    private ExtractedDocument extract(Document document) {
        UUID id = document.id();
        Thread worker = Thread.currentThread();
        String timedOut = ExtractionFailedException.timedOut("file", timeout, null, null).getMessage();
        Runnable stop = () -> {
            if (documents.failWhileExtracting(id, timedOut)) {
                log.warn("Extraction of {} ({}) passed its time limit without stopping; interrupting it",
                        document.filename(), id);
                worker.interrupt();
                publishCurrent(id);
            }
        };
        AtomicReference<ScheduledFuture<?>> alarm = new AtomicReference<>(
                watchdog.schedule(stop, timeout.plus(WATCHDOG_GRACE).toMillis(), TimeUnit.MILLISECONDS));
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        try {
            return extractor.extract(store.pathOf(document.sha256()), document.filename(), timeout, new ExtractionListener() {
                @Override
                public void pageStarted(int page) {
                    long now = System.nanoTime();
                    if (now - lastProgress.get() >= PROGRESS_INTERVAL_NANOS) {
                        lastProgress.set(now);
                        events.publish(DocumentEvent.extractingPage(document, page));
                    }
                }

                /** Each scanned page gets its own time: the watchdog starts over. Pages take seconds, so each is told. */
                @Override
                public void ocrPage(int page, int pages) {
                    alarm.getAndSet(watchdog.schedule(stop, ocrPageAllowance.plus(WATCHDOG_GRACE).toMillis(),
                            TimeUnit.MILLISECONDS)).cancel(false);
                    events.publish(DocumentEvent.ocrPage(document, page, pages));
                }
            });
        } catch (ExtractionFailedException failure) {
            if (stopping) {
                log.info("Extraction of {} ({}) stopped by the shut-down; it is redone at the next start", document.filename(), id);
                return null;
            }
            log.warn("Could not extract {} ({}): {}", document.filename(), id, failure.getMessage());
            if (documents.fail(id, failure.mediaType(), failure.getMessage())) {
                publishCurrent(id);
            }
            return null;
        } finally {
            alarm.get().cancel(false);
            Thread.interrupted();
        }
    }

    private void countTokens(Document document, String text) {
        if (document == null || document.status() != DocumentStatus.TOKENIZING) {
            return;
        }
        OptionalInt textTokens = tokens.count(text);
        if (textTokens.isEmpty()) {
            documents.finishTokenizing(document.id(), DocumentStatus.EXTRACTED, null, null,
                    tokens.unavailableReason().orElse("The token count is unknown."));
            publishCurrent(document.id());
            return;
        }
        Document counted = withTokenCount(document, textTokens.getAsInt());
        OptionalInt promptTokens = tokens.countPrompt(prompts.systemSegments(
                List.of(new PromptBuilder.PromptDocument(counted, text))));
        if (promptTokens.isEmpty()) {
            documents.finishTokenizing(document.id(), DocumentStatus.EXTRACTED, null, null,
                    tokens.unavailableReason().orElse("The token count is unknown."));
            publishCurrent(document.id());
            return;
        }
        ContextBudget.Fit fit = budget.check(textTokens.getAsInt(), promptTokens.getAsInt());
        if (!fit.fits()) {
            log.info("{} ({}) is too long for the context: {} tokens needed of {}", document.filename(),
                    document.id(), fit.needed(), fit.contextLength());
        }
        // With a model the document goes on to encoding; "extracted" would end its events stream early.
        if (fit.fits() && prefixes.encodeCounted(counted, text)) {
            return;
        }
        documents.finishTokenizing(document.id(), fit.fits() ? DocumentStatus.EXTRACTED : DocumentStatus.TOO_LONG,
                textTokens.getAsInt(), fit.message(), null);
        publishCurrent(document.id());
    }

    private static Document withTokenCount(Document d, int tokenCount) {
        return new Document(d.id(), d.ownerId(), d.filename(), d.mediaType(), d.sizeBytes(), d.sha256(), d.title(),
                d.author(), d.language(), d.pageCount(), tokenCount, d.textChars(), d.status(), d.error(), d.note(),
                d.createdAt(), d.updatedAt(), d.extractedAt(), d.prefixKey(), d.shared(), d.ownerName(), d.pagesKnown());
    }

    private void publishCurrent(UUID id) {
        documents.findById(id).ifPresent(d -> events.publish(DocumentEvent.of(d)));
    }

    @Override
    public void destroy() {
        stopping = true;
        workers.shutdownNow();
        watchdog.shutdownNow();
        extractor.close();
    }
}
