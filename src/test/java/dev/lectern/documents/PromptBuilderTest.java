package dev.lectern.documents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import dev.lectern.config.LecternProperties;
import dev.lectern.documents.PromptBuilder.PromptDocument;

class PromptBuilderTest {

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private final LecternProperties properties = properties("You answer from the documents. Cite (p. N).", 2048, 4096);
    private final PromptBuilder builder = new PromptBuilder(properties);

    @Test
    void theSameDocumentSetGivesTheSameTextAndTokensWhateverTheSelectionOrder() {
        PromptDocument paper1 = doc("a.pdf", "Paper One", 3, T0, "[Page 1]\n\nFirst paper.");
        PromptDocument paper2 = doc("b.pdf", null, null, T0.plusSeconds(60), "Second paper.");
        PromptDocument paper3 = doc("c.docx", "Third", 1, T0.plusSeconds(120), "| a | b |\n| --- | --- |\n| 1 | 2 |");

        String forward = builder.build(List.of(paper1, paper2, paper3));
        String shuffled = builder.build(List.of(paper3, paper1, paper2));

        assertThat(shuffled).isEqualTo(forward);
        assertThat(forward).startsWith("You answer from the documents. Cite (p. N).\n\n3 documents follow.\n\n"
                + "<document number=\"1\">\nTitle: Paper One\nFile: a.pdf\nPages: 3\nTokens: 42\n---\n[Page 1]\n\nFirst paper.\n</document>");
        assertThat(forward.indexOf("File: a.pdf")).isLessThan(forward.indexOf("File: b.pdf"));
        assertThat(forward.indexOf("File: b.pdf")).isLessThan(forward.indexOf("File: c.docx"));

    }

    @Test
    void tooLongReportsItsTokensTheLimitAndTheExcess() {
        ContextBudget budget = new ContextBudget(properties);
        ContextBudget.Fit fit = budget.check(3000, 3100);
        assertThat(fit.fits()).isFalse();
        assertThat(fit.needed()).isEqualTo(5148);
        assertThat(fit.message()).contains("the document is 3,000 tokens", "2,048 tokens kept for the answer",
                "needs 5,148 tokens", "context holds 4,096", "1,052 tokens over");
        assertThat(budget.check(1000, 2048).fits()).isTrue();
        assertThat(budget.check(1000, 2049).fits()).isFalse();
    }

    private static PromptDocument doc(String filename, String title, Integer pages, Instant created, String text) {
        Document d = new Document(UUID.nameUUIDFromBytes(filename.getBytes()), 1, filename, "application/pdf", 10,
                "0".repeat(64), title, null, null, pages, 42, text.length(), DocumentStatus.EXTRACTED, null, null,
                created, created, created);
        return new PromptDocument(d, text);
    }

    static LecternProperties properties(String systemPrompt, int reserved, int context) {
        return new LecternProperties(Path.of("data"), new LecternProperties.Model(null, context),
                new LecternProperties.Engine(0, dev.lectern.engine.kv.KvDataType.F16, 16, 256, 256, 64, 2.5,
                        Duration.ofSeconds(60)), new LecternProperties.Cache(DataSize.ofGigabytes(1)),
                new LecternProperties.Documents(DataSize.ofMegabytes(1), Duration.ofSeconds(5), 100_000, 1,
                        LecternProperties.Documents.Isolation.IN_PROCESS, DataSize.ofMegabytes(256), false),
                new LecternProperties.Chat(systemPrompt, reserved), new LecternProperties.Database(null, null, null),
                new LecternProperties.Security(null));
    }
}
