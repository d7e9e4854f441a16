package dev.lectern.documents;

import java.text.NumberFormat;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.springframework.stereotype.Component;

import dev.lectern.config.LecternProperties;

/**
 * The system-prompt text a chat starts from: the configured instructions, then every selected document
 * with a header and delimiters. Documents go in upload order (creation time, then id), whatever order
 * they were selected in, so one set of documents always gives the same text, hence the same tokens, and
 * the prefix cache can reuse its encoding. The chat template is applied later, by the chat feature.
 */
@Component
public class PromptBuilder {

    /** A document with the text it contributes. */
    public record PromptDocument(Document document, String text) {
    }

    static final Comparator<Document> PROMPT_ORDER =
            Comparator.comparing(Document::createdAt).thenComparing(Document::id);

    private final String systemPrompt;

    public PromptBuilder(LecternProperties properties) {
        this.systemPrompt = properties.chat().systemPrompt().strip();
    }

    public String systemPrompt() {
        return systemPrompt;
    }

    public String build(List<PromptDocument> documents) {
        List<PromptDocument> ordered = documents.stream()
                .sorted(Comparator.comparing(PromptDocument::document, PROMPT_ORDER))
                .toList();
        StringBuilder prompt = new StringBuilder(systemPrompt).append("\n\n");
        prompt.append(ordered.size() == 1 ? "One document follows." : ordered.size() + " documents follow.")
                .append("\n\n");
        for (int i = 0; i < ordered.size(); i++) {
            prompt.append(documentBlock(i + 1, ordered.get(i))).append("\n\n");
        }
        return prompt.toString().stripTrailing() + "\n";
    }

    /**
     * One document between delimiters. The header names what the model may cite; the token count is the
     * text's own, so it does not change with the header around it.
     */
    String documentBlock(int number, PromptDocument entry) {
        Document d = entry.document();
        StringBuilder block = new StringBuilder();
        block.append("<document number=\"").append(number).append("\">\n");
        if (d.title() != null) {
            block.append("Title: ").append(d.title()).append('\n');
        }
        block.append("File: ").append(d.filename()).append('\n');
        if (d.pageCount() != null) {
            block.append("Pages: ").append(d.pageCount()).append('\n');
        }
        if (d.tokenCount() != null) {
            block.append("Tokens: ").append(NumberFormat.getIntegerInstance(Locale.ROOT).format(d.tokenCount())).append('\n');
        }
        block.append("---\n").append(entry.text().strip()).append("\n</document>");
        return block.toString();
    }
}
