package dev.lectern.documents;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import dev.lectern.config.LecternProperties;

/**
 * The system turn a chat about documents starts from, as text segments: the configured instructions, then
 * one block per document. A document's block depends only on the document (its text and a title from its
 * metadata or its first heading: never the uploader's file name, a running number or the set it is in),
 * and documents come in one fixed order for a set, by content hash, so the same PDF uploaded by two users,
 * or chosen in another order, gives the same segments. Tokenized segment by segment
 * ({@link dev.lectern.engine.chat.ChatTokens}), the instructions and the first document are then one
 * prefix shared by every conversation that starts with them, which the prefix cache encodes once.
 *
 * <p>Content-hash order rather than selection order: a chat about {A, B} and one about {B, A} share their
 * whole prefix. Rather than upload order: two users' copies of the same files share theirs too.
 */
@Component
public class PromptBuilder {

    /** A document with the text it contributes. */
    public record PromptDocument(Document document, String text) {
    }

    static final Comparator<Document> PROMPT_ORDER =
            Comparator.comparing(Document::sha256).thenComparing(Document::id);

    private static final Pattern FIRST_HEADING = Pattern.compile("(?m)^#{1,6} +(\\S.{0,200}?) *$");

    private final String systemPrompt;

    public PromptBuilder(LecternProperties properties) {
        this.systemPrompt = properties.chat().systemPrompt().strip();
    }

    public String systemPrompt() {
        return systemPrompt;
    }

    /** The instructions, then each document's block, in the canonical order. */
    public List<String> systemSegments(List<PromptDocument> documents) {
        List<String> segments = new ArrayList<>(documents.size() + 1);
        segments.add(systemPrompt + "\n\n");
        documents.stream()
                .sorted(Comparator.comparing(PromptDocument::document, PROMPT_ORDER))
                .map(PromptBuilder::documentBlock)
                .forEach(segments::add);
        return segments;
    }

    /** The segments as one text (what the model reads, for display and tests). */
    public String build(List<PromptDocument> documents) {
        return String.join("", systemSegments(documents));
    }

    /**
     * One document between delimiters, followed by a blank line. Its page markers ({@code [Page N]}) are what
     * the model cites.
     */
    static String documentBlock(PromptDocument entry) {
        String title = title(entry);
        return (title == null ? "<document>\n" : "<document title=\"" + title.replace('"', '\'') + "\">\n")
                + entry.text().strip() + "\n</document>\n\n";
    }

    /** The title from the file's metadata, else the text's first Markdown heading, else none. */
    static String title(PromptDocument entry) {
        String metadata = entry.document().title();
        if (metadata != null && !metadata.isBlank()) {
            return metadata.strip();
        }
        Matcher heading = FIRST_HEADING.matcher(entry.text());
        return heading.find() ? heading.group(1).strip() : null;
    }
}
