package dev.lectern.documents;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.List;
import java.util.UUID;

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
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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

    DocumentController(DocumentService documents) {
        this.documents = documents;
    }

    /**
     * 201 with the new document; 200 with the existing one when the caller already uploaded these bytes.
     * A Content-Length over the limit is answered with 413 before the body is read: a client that waits
     * for "100 Continue" (curl does, for large files) then sends nothing at all.
     */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    Mono<ResponseEntity<DocumentResponse>> upload(@RequestBody Flux<PartEvent> parts, @RequestHeader HttpHeaders headers,
            Principal principal) {
        return documents.checkDeclaredLength(principal.getName(), headers.getContentLength()).then(upload(parts, principal));
    }

    private Mono<ResponseEntity<DocumentResponse>> upload(Flux<PartEvent> parts, Principal principal) {
        return parts.windowUntil(PartEvent::isLast)
                .concatMap(part -> part.switchOnFirst((first, events) -> {
                    if (first.get() instanceof FilePartEvent file && FILE_FIELD.equals(file.name())) {
                        return documents.upload(principal.getName(), file.filename(), events.map(PartEvent::content));
                    }
                    return events.doOnNext(event -> DataBufferUtils.release(event.content())).then(Mono.empty());
                }))
                .next()
                .switchIfEmpty(Mono.error(() -> new DocumentProblem(HttpStatus.BAD_REQUEST, "MISSING_FILE",
                        "Send the document as a multipart form field named \"file\".")))
                .map(upload -> ResponseEntity.status(upload.created() ? HttpStatus.CREATED : HttpStatus.OK)
                        .body(DocumentResponse.of(upload.document())));
    }

    @GetMapping
    Mono<List<DocumentResponse>> list(Principal principal) {
        return documents.list(principal.getName()).map(all -> all.stream().map(DocumentResponse::of).toList());
    }

    @GetMapping("/{id}")
    Mono<DocumentResponse> show(@PathVariable UUID id, Principal principal) {
        return documents.get(principal.getName(), id).map(DocumentResponse::of);
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

    @DeleteMapping("/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable UUID id, Principal principal) {
        return documents.delete(principal.getName(), id).thenReturn(ResponseEntity.noContent().build());
    }

    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<DocumentEvent> events(@PathVariable UUID id, Principal principal) {
        return documents.events(principal.getName(), id);
    }
}
