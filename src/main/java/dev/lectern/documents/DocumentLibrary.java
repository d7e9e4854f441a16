package dev.lectern.documents;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.lectern.security.UserAccount;
import dev.lectern.security.UserRepository;

/**
 * What other features (chat, the APIs) may ask of the documents: a user's documents with their text, ready
 * to go into a prompt. Blocking (JDBC): call it off the event loop.
 */
@Component
public class DocumentLibrary {

    private final DocumentRepository documents;
    private final UserRepository users;
    private final PromptBuilder prompts;

    DocumentLibrary(DocumentRepository documents, UserRepository users, PromptBuilder prompts) {
        this.documents = documents;
        this.users = users;
        this.prompts = prompts;
    }

    /** Thrown for an id that is not one of the user's documents, or one without usable text. */
    public static final class DocumentUnavailable extends RuntimeException {
        private final String code;

        DocumentUnavailable(String code, String message) {
            super(message);
            this.code = code;
        }

        /** {@code NOT_FOUND} (no such document among the user's) or {@code NOT_READABLE} (no text to use). */
        public String code() {
            return code;
        }
    }

    /**
     * The user's documents with these ids (each once), with the text the model reads, in no particular order
     * ({@link PromptBuilder#systemSegments} orders them).
     *
     * @throws DocumentUnavailable when one is not the user's, or has no text the model can read (failed,
     *                             still being extracted, or too long for the context)
     */
    public List<PromptBuilder.PromptDocument> forPrompt(String username, List<UUID> ids) {
        long owner = users.findByUsername(username).map(UserAccount::id)
                .orElseThrow(() -> new IllegalStateException("signed-in user " + username + " has no account row"));
        List<PromptBuilder.PromptDocument> found = new ArrayList<>();
        for (UUID id : new LinkedHashSet<>(ids)) {
            Document document = documents.findById(id).filter(d -> d.isReadableBy(owner)).orElseThrow(() ->
                    new DocumentUnavailable("NOT_FOUND", "There is no document " + id + " among yours or the team's."));
            if (!switch (document.status()) {
                case EXTRACTED, ENCODING, READY -> true;
                default -> false;
            }) {
                throw new DocumentUnavailable("NOT_READABLE", "\"" + document.filename() + "\" cannot be asked about: it is "
                        + document.status().code().replace('_', ' ') + (document.error() != null ? " (" + document.error()
                        + ")" : "") + ".");
            }
            String text = documents.findText(id).orElseThrow(() ->
                    new DocumentUnavailable("NOT_READABLE", "\"" + document.filename() + "\" has no extracted text."));
            found.add(new PromptBuilder.PromptDocument(document, text));
        }
        return found;
    }

    /** The system turn's segments for these documents (see {@link PromptBuilder#systemSegments}). */
    public List<String> systemSegments(List<PromptBuilder.PromptDocument> documents) {
        return prompts.systemSegments(documents);
    }
}
