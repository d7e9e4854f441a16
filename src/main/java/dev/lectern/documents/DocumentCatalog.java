package dev.lectern.documents;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

/**
 * The documents feature as other features see it (a conversation's document set, the prompt it is built
 * from): an owner's documents by id and their extracted text. Blocking JDBC, like the repository.
 */
@Component
public class DocumentCatalog {

    private final DocumentRepository documents;

    DocumentCatalog(DocumentRepository documents) {
        this.documents = documents;
    }

    /** Those of {@code ids} that exist and {@code userId} may read (theirs, or shared), in the order asked for. */
    public List<Document> readableBy(long userId, Collection<UUID> ids) {
        List<Document> found = new ArrayList<>(ids.size());
        for (UUID id : ids) {
            documents.findById(id).filter(d -> d.isReadableBy(userId)).ifPresent(found::add);
        }
        return found;
    }

    /** The text the model reads, with its page markers; empty until extracted. */
    public Optional<String> text(UUID id) {
        return documents.findText(id);
    }
}
