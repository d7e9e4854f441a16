package dev.lectern.documents;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

import dev.lectern.config.BlockingWork;
import dev.lectern.security.UserAccount;
import dev.lectern.security.UserRepository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The documents feature as the API uses it. Every database and file-system call runs on the app's
 * {@link BlockingWork} threads; parsing runs on the {@link DocumentProcessor}'s own threads. A caller only ever
 * sees their own documents and those shared with the team: any other id answers exactly like an id that
 * does not exist. Only the owner deletes a document or changes its sharing.
 */
@Service
class DocumentService {

    private static final Logger log = LoggerFactory.getLogger(DocumentService.class);

    /** An upload's outcome: the document, and whether this upload created it or found it already there. */
    record Upload(Document document, boolean created) {
    }

    private final DocumentRepository documents;
    private final DocumentStore store;
    private final DocumentProcessor processor;
    private final DocumentEvents events;
    private final UserRepository users;
    private final DocumentPrefixes prefixes;
    private final BlockingWork blocking;

    DocumentService(DocumentRepository documents, DocumentStore store, DocumentProcessor processor,
            DocumentEvents events, UserRepository users, DocumentPrefixes prefixes, BlockingWork blocking) {
        this.documents = documents;
        this.store = store;
        this.processor = processor;
        this.events = events;
        this.users = users;
        this.prefixes = prefixes;
        this.blocking = blocking;
    }

    /**
     * Refuses with 413 a request whose declared length (-1 when it has none) already says the file is
     * over the limit, before any of its body is read. An upload without a length (chunked) is checked
     * while it streams instead ({@link DocumentStore#receive}).
     */
    Mono<Void> checkDeclaredLength(String username, long contentLength) {
        return Mono.defer(() -> {
            if (!store.declaredTooLarge(contentLength)) {
                return Mono.empty();
            }
            log.info("Refused an upload of {} bytes by {} before reading it: over lectern.documents.max-upload",
                    contentLength, username);
            return Mono.error(store.tooLarge());
        });
    }

    /** {@code upstream} runs the signals sent to {@code content}: see {@link DocumentStore#receive}. */
    Mono<Upload> upload(String username, String sentFilename, Flux<DataBuffer> content, Executor upstream) {
        String filename = DisplayFilename.of(sentFilename);
        return store.receive(content, upstream).flatMap(received -> blocking.call(() -> {
            if (received.sizeBytes() == 0) {
                store.discard(received);
                throw new DocumentProblem(HttpStatus.BAD_REQUEST, "EMPTY_FILE",
                        "The file \"" + filename + "\" is empty (0 bytes); there is nothing to read.");
            }
            long owner = ownerId(username);
            UUID id = UUID.randomUUID();
            boolean created = store.keep(received,
                    () -> documents.insertIfAbsent(id, owner, filename, received.sizeBytes(), received.sha256()));
            Document document = documents.findByOwnerAndSha256(owner, received.sha256()).orElseThrow();
            if (created) {
                log.info("{} uploaded {} ({} bytes, sha256 {}) as document {}", username, filename,
                        received.sizeBytes(), received.sha256(), document.id());
                events.publish(DocumentEvent.of(document));
                processor.submit(document.id());
            }
            return new Upload(document, created);
        }));
    }

    Mono<List<Document>> list(String username) {
        return blocking.call(() -> documents.findReadableBy(ownerId(username)));
    }

    Mono<Document> get(String username, UUID id) {
        return blocking.call(() -> readable(username, id));
    }

    /** Shares the owner's document with the whole team, or stops sharing it. */
    Mono<Document> share(String username, UUID id, Boolean shared) {
        return blocking.call(() -> {
            Document document = owned(username, id);
            if (shared == null) {
                throw new DocumentProblem(HttpStatus.BAD_REQUEST, "BAD_REQUEST", "Send {\"shared\": true} or false.");
            }
            if (document.shared() != shared) {
                documents.setShared(id, shared);
                log.info("{} {} document {} ({})", username, shared ? "shared with the team" : "stopped sharing",
                        id, document.filename());
            }
            return documents.findById(id).orElseThrow(DocumentProblem::notFound);
        });
    }

    /** The text the model will read; 409 while it is not extracted yet or when extraction failed. */
    Mono<String> text(String username, UUID id) {
        return blocking.call(() -> {
            Document document = readable(username, id);
            return documents.findText(id).orElseThrow(() -> new DocumentProblem(HttpStatus.CONFLICT, "NO_TEXT",
                    document.status() == DocumentStatus.FAILED
                            ? "This document has no text: " + document.error()
                            : "The text is not extracted yet (status " + document.status().code() + "); try again shortly."));
        });
    }

    /** A document's stored file, for its owner to open or download. */
    record StoredFile(Document document, java.nio.file.Path path) {
    }

    Mono<StoredFile> file(String username, UUID id) {
        return blocking.call(() -> {
            Document document = readable(username, id);
            java.nio.file.Path path = store.pathOf(document.sha256());
            if (!java.nio.file.Files.isReadable(path)) {
                log.error("The stored file of document {} ({}) is missing: {}", id, document.filename(), path);
                throw new DocumentProblem(HttpStatus.GONE, "FILE_MISSING", "The file of \"" + document.filename()
                        + "\" is missing from the server's data directory; its text is still here. Upload it again"
                        + " to open it.");
            }
            return new StoredFile(document, path);
        });
    }

    Mono<Void> delete(String username, UUID id) {
        return blocking.call(() -> {
            Document document = owned(username, id);
            store.release(document.sha256(), () -> documents.delete(id),
                    () -> documents.isStoredFileReferenced(document.sha256()));
            prefixes.release(document);
            log.info("{} deleted document {} ({})", username, id, document.filename());
            return Boolean.TRUE;
        }).then();
    }

    /**
     * The current status, then each change, ending after a final status. Live events are gathered from
     * before the current status is read, so no change falls in between; ones older than it are dropped.
     */
    Flux<DocumentEvent> events(String username, UUID id) {
        return Flux.defer(() -> {
            Sinks.Many<DocumentEvent> gathered = Sinks.many().unicast().onBackpressureBuffer();
            var listening = events.of(id).subscribe(gathered::tryEmitNext);
            Mono<DocumentEvent> current = get(username, id).map(DocumentEvent::of);
            return current.flatMapMany(now -> Flux.concat(Flux.just(now),
                            gathered.asFlux().filter(e -> e.status().ordinal() >= now.status().ordinal())))
                    .takeUntil(event -> event.status().isFinal())
                    .doFinally(signal -> listening.dispose());
        });
    }

    /** The user's own document: only its owner may delete it or change its sharing. */
    private Document owned(String username, UUID id) {
        long owner = ownerId(username);
        return documents.findById(id).filter(d -> d.ownerId() == owner).orElseThrow(() -> notOwned(owner, id));
    }

    /** A document the user may read: their own or a shared one. Any other id is "not found", never "forbidden". */
    private Document readable(String username, UUID id) {
        long user = ownerId(username);
        return documents.findById(id).filter(d -> d.isReadableBy(user)).orElseThrow(DocumentProblem::notFound);
    }

    private DocumentProblem notOwned(long user, UUID id) {
        return documents.findById(id).filter(d -> d.isReadableBy(user))
                .map(d -> new DocumentProblem(HttpStatus.FORBIDDEN, "NOT_OWNER",
                        "\"" + d.filename() + "\" is shared by " + d.ownerName() + "; only they can change or delete it."))
                .orElseGet(DocumentProblem::notFound);
    }

    private long ownerId(String username) {
        return users.findByUsername(username).map(UserAccount::id)
                .orElseThrow(() -> new IllegalStateException("signed-in user " + username + " has no account row"));
    }
}
