package dev.lectern.documents;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.multipart.FilePartEvent;
import org.springframework.http.codec.multipart.PartEvent;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code /api/documents}: upload (multipart field {@code file}), list, show, text, delete and a
 * Server-Sent-Events stream of status changes. The upload reads the multipart body as a stream of part
 * events, so the file goes to disk as it arrives instead of being buffered by the codec first.
 */
@RestController
@RequestMapping("/api/documents")
class DocumentController {

    static final String FILE_FIELD = "file";

    private final DocumentService documents;
    private final DocumentPrefixes prefixes;

    DocumentController(DocumentService documents, DocumentPrefixes prefixes) {
        this.documents = documents;
        this.prefixes = prefixes;
    }

    /**
     * 201 with the new document; 200 with the existing one when the caller already uploaded these bytes.
     * A Content-Length over the limit is answered with 413 before the body is read: a client that waits
     * for "100 Continue" (curl does, for large files) then sends nothing at all.
     */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    Mono<ResponseEntity<DocumentResponse>> upload(@RequestBody Flux<PartEvent> parts, @RequestHeader HttpHeaders headers,
            Principal principal, ServerWebExchange exchange) {
        return documents.checkDeclaredLength(principal.getName(), headers.getContentLength())
                .then(upload(parts, principal, ConnectionEventLoop.of(exchange)));
    }

    /**
     * The first part named {@value #FILE_FIELD} is stored; every other part is read and released. The answer
     * waits for the end of the body rather than cancelling what is left of it, and the upload's outcome is
     * handled on the connection's event loop: Spring's multipart parser runs there and is not safe to cancel
     * from another thread (it can release a buffer it has just handed on).
     */
    private Mono<ResponseEntity<DocumentResponse>> upload(Flux<PartEvent> parts, Principal principal, Executor eventLoop) {
        Scheduler onEventLoop = Schedulers.fromExecutor(eventLoop);
        AtomicBoolean fileSeen = new AtomicBoolean();
        return parts.windowUntil(PartEvent::isLast)
                .concatMap(part -> part.switchOnFirst((first, events) -> {
                    if (first.get() instanceof FilePartEvent file && FILE_FIELD.equals(file.name())
                            && fileSeen.compareAndSet(false, true)) {
                        return documents.upload(principal.getName(), file.filename(), events.map(PartEvent::content),
                                eventLoop).publishOn(onEventLoop);
                    }
                    return events.doOnNext(event -> DataBufferUtils.release(event.content())).then(Mono.<DocumentService.Upload>empty());
                }))
                .reduce((stored, none) -> stored)
                // Parts queued in the window (or its first event) when the upload stops early are dropped by
                // Reactor; each holds a buffer that only this releases.
                .doOnDiscard(PartEvent.class, event -> DataBufferUtils.release(event.content()))
                .switchIfEmpty(Mono.error(() -> new DocumentProblem(HttpStatus.BAD_REQUEST, "MISSING_FILE",
                        "Send the document as a multipart form field named \"file\".")))
                .map(upload -> ResponseEntity.status(upload.created() ? HttpStatus.CREATED : HttpStatus.OK)
                        .body(prefixes.response(upload.document())));
    }

    @GetMapping
    Mono<List<DocumentResponse>> list(Principal principal) {
        return documents.list(principal.getName()).map(all -> all.stream().map(prefixes::response).toList());
    }

    @GetMapping("/{id}")
    Mono<DocumentResponse> show(@PathVariable UUID id, Principal principal) {
        return documents.get(principal.getName(), id).map(prefixes::response);
    }

    @GetMapping(path = "/{id}/text", produces = MediaType.TEXT_PLAIN_VALUE + ";charset=UTF-8")
    Mono<String> text(@PathVariable UUID id, Principal principal) {
        return documents.text(principal.getName(), id);
    }

    /**
     * The file as uploaded. PDFs open inline, in the browser's own viewer (so {@code #page=N} works); any
     * other type downloads as bytes, never rendered by the browser as a page of this site (an uploaded HTML
     * file must not run here). A name after {@code /file/} is ignored: the page adds the file's name there
     * because the browser's PDF viewer titles its tab with the URL's last segment.
     */
    @GetMapping({"/{id}/file", "/{id}/file/{name}"})
    Mono<ResponseEntity<Resource>> file(@PathVariable UUID id, Principal principal) {
        return documents.file(principal.getName(), id).map(stored -> {
            Document document = stored.document();
            boolean pdf = MediaType.APPLICATION_PDF_VALUE.equals(document.mediaType());
            ContentDisposition disposition = (pdf ? ContentDisposition.inline() : ContentDisposition.attachment())
                    .filename(document.filename(), StandardCharsets.UTF_8).build();
            return ResponseEntity.ok()
                    .contentType(pdf ? MediaType.APPLICATION_PDF : MediaType.APPLICATION_OCTET_STREAM)
                    .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
                    .header("X-Content-Type-Options", "nosniff")
                    .header(HttpHeaders.CACHE_CONTROL, "private, max-age=3600")
                    .body(new FileSystemResource(stored.path()));
        });
    }

    record SharingChange(Boolean shared) {
    }

    /** {@code {"shared": true}} shares the caller's document with the team; false stops sharing it. */
    @PatchMapping("/{id}")
    Mono<DocumentResponse> share(@PathVariable UUID id, @RequestBody SharingChange change, Principal principal) {
        return documents.share(principal.getName(), id, change == null ? null : change.shared()).map(prefixes::response);
    }

    @DeleteMapping("/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable UUID id, Principal principal) {
        return documents.delete(principal.getName(), id).thenReturn(ResponseEntity.noContent().build());
    }

    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<DocumentEvent> events(@PathVariable UUID id, Principal principal) {
        return documents.events(principal.getName(), id);
    }
}
