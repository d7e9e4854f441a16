package dev.lectern.documents;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.lectern.inference.EngineReady;
import dev.lectern.inference.EngineState;
import dev.lectern.inference.EngineUnavailableException;
import dev.lectern.inference.InferenceService;
import dev.lectern.inference.PrefixDeleted;
import dev.lectern.inference.PrefixInfo;

/**
 * A document's prefix in the cache: once its text fits, the system prompt and the document are encoded in
 * the background ({@code encoding}, with percent and ETA on the events stream) and kept ({@code ready}), so a
 * question costs only its own tokens. The same text uploaded by another user has the same prefix and is
 * ready at once. A document whose prefix is gone (its file damaged, another model) is encoded again at
 * start-up; deleting the last document that names a prefix deletes it.
 */
@Component
class DocumentPrefixes implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DocumentPrefixes.class);

    private final InferenceService inference;
    private final PromptBuilder prompts;
    private final DocumentRepository documents;
    private final DocumentEvents events;
    private final Map<UUID, EncodingProgress> progress = new ConcurrentHashMap<>();
    /** Database writes and event publishing off the engine's thread, in order. */
    private final ExecutorService work = Executors.newSingleThreadExecutor(runnable -> Thread.ofPlatform()
            .name("document-encoding").daemon().unstarted(runnable));

    DocumentPrefixes(InferenceService inference, PromptBuilder prompts, DocumentRepository documents,
                     DocumentEvents events) {
        this.inference = inference;
        this.prompts = prompts;
        this.documents = documents;
        this.events = events;
    }

    /**
     * Starts encoding an {@code extracted} (or {@code ready}, to redo) document's prefix when a model is ready;
     * returns whether it started (the document is then {@code encoding}, and its events say so).
     */
    boolean encode(Document document, String text) {
        return encode(document, text, false);
    }

    /**
     * Starts encoding a document still {@code tokenizing}, recording its token count in the same step (no
     * reader sees a passing {@code extracted}); returns false, changing nothing, when no model is ready.
     */
    boolean encodeCounted(Document counted, String text) {
        return encode(counted, text, true);
    }

    private boolean encode(Document document, String text, boolean justCounted) {
        if (inference.status().state() != EngineState.READY) {
            return false;
        }
        int[] prefix;
        String key;
        try {
            prefix = inference.chatTokens().system(prompts.systemSegments(List.of(
                    new PromptBuilder.PromptDocument(document, text)))).ids();
            key = inference.prefixKey(prefix);
        } catch (EngineUnavailableException stopped) {
            return false;
        }
        boolean started = justCounted ? documents.startEncodingCounted(document.id(), document.tokenCount(), key)
                : documents.startEncoding(document.id(), key);
        if (!started) {
            return false;
        }
        publishCurrent(document.id());
        String label = PromptBuilder.title(new PromptBuilder.PromptDocument(document, text)) != null
                ? PromptBuilder.title(new PromptBuilder.PromptDocument(document, text)) : document.filename();
        UUID id = document.id();
        try {
            inference.encodePrefix(prefix, label, update -> {
                EncodingProgress now = EncodingProgress.of(update.done(), update.total(), update.etaSeconds());
                progress.put(id, now);
                work.execute(() -> events.publish(DocumentEvent.encoding(document, now)));
            }).whenCompleteAsync((info, failure) -> {
                progress.remove(id);
                if (failure == null) {
                    documents.finishEncoding(id, info.key());
                } else {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
                    log.warn("Could not encode {} ({}): {}", document.filename(), id, cause.getMessage());
                    documents.encodingFailed(id, "Not encoded in advance (" + cause.getMessage() + "). Questions still"
                            + " work; each one encodes the document itself until it is encoded again.");
                }
                publishCurrent(id);
            }, work);
        } catch (RuntimeException refused) {
            documents.encodingFailed(id, "Not encoded in advance (" + refused.getMessage() + ").");
            publishCurrent(id);
        }
        return true;
    }

    /** The API's view of a document, with its encoding progress or cached prefix. */
    DocumentResponse response(Document document) {
        PrefixInfo prefix = document.prefixKey() == null || document.status() != DocumentStatus.READY ? null
                : inference.prefix(document.prefixKey()).orElse(null);
        return DocumentResponse.of(document, progress.get(document.id()), prefix);
    }

    /** After a document is deleted: its prefix goes too when no other document names it. */
    void release(Document document) {
        String key = document.prefixKey();
        if (key != null && !documents.isPrefixReferenced(key)) {
            inference.deletePrefix(key);
        }
    }

    /**
     * Once the model is ready: documents a stopped server left encoding, and ready ones whose prefix is gone
     * (its file was damaged or written for another model), are encoded again.
     */
    @EventListener(EngineReady.class)
    void resume() {
        work.execute(() -> {
            for (Document document : documents.findEncodingOrReady()) {
                if (document.status() == DocumentStatus.READY && document.prefixKey() != null
                        && inference.prefix(document.prefixKey()).isPresent()) {
                    continue;
                }
                log.info("Encoding {} ({}) again: {}", document.filename(), document.id(),
                        document.status() == DocumentStatus.ENCODING ? "the last run stopped while encoding it"
                                : "its cached prefix is gone");
                documents.findText(document.id()).ifPresent(text -> encode(document, text));
            }
        });
    }

    /**
     * An admin deleted a prefix (its documents go back to {@code extracted}: questions still work, each
     * encoding the document) or asked for it again (its documents are encoded again).
     */
    @EventListener
    void prefixDeleted(PrefixDeleted deleted) {
        work.execute(() -> {
            for (Document document : documents.findByPrefixKey(deleted.key())) {
                if (deleted.reencode()) {
                    documents.findText(document.id()).ifPresent(text -> encode(document, text));
                } else if (documents.forgetPrefix(document.id(), "Its cached prefix was deleted by an administrator;"
                        + " questions still work, each encoding the document itself.")) {
                    publishCurrent(document.id());
                }
            }
        });
    }

    private void publishCurrent(UUID id) {
        documents.findById(id).ifPresent(d -> events.publish(DocumentEvent.of(d)));
    }

    @Override
    public void destroy() {
        work.shutdownNow();
    }
}
