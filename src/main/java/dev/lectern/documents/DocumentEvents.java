package dev.lectern.documents;

import java.util.UUID;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Every document's status changes on one hot stream; a listener filters by document. Listeners request
 * without bound, so best-effort delivery drops nothing for them; with no listener, events simply pass.
 */
@Component
class DocumentEvents {

    private final Sinks.Many<DocumentEvent> sink = Sinks.many().multicast().directBestEffort();

    /** Called from the extraction threads; serialized because a sink takes one emitter at a time. */
    synchronized void publish(DocumentEvent event) {
        sink.tryEmitNext(event);
    }

    Flux<DocumentEvent> of(UUID documentId) {
        return sink.asFlux().filter(event -> event.documentId().equals(documentId));
    }
}
