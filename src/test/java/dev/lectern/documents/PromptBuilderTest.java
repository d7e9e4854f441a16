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
    void theSameDocumentSetGivesTheSameSegmentsWhateverTheSelectionOrder() {
        PromptDocument paper1 = doc("a.pdf", "Paper One", "aa", T0, "[Page 1]\n\nFirst paper.");
        PromptDocument paper2 = doc("b.pdf", null, "bb", T0.minusSeconds(60), "# Methods\n\nSecond paper.");
        PromptDocument paper3 = doc("c.docx", null, "cc", T0.plusSeconds(120), "| a | b |\n| --- | --- |\n| 1 | 2 |");

        List<String> forward = builder.systemSegments(List.of(paper1, paper2, paper3));
        assertThat(builder.systemSegments(List.of(paper3, paper1, paper2))).isEqualTo(forward);
        assertThat(forward).containsExactly(
                "You answer from the documents. Cite (p. N).\n\n",
                "<document title=\"Paper One\">\n[Page 1]\n\nFirst paper.\n</document>\n\n",
                "<document title=\"Methods\">\n# Methods\n\nSecond paper.\n</document>\n\n",
                "<document>\n| a | b |\n| --- | --- |\n| 1 | 2 |\n</document>\n\n");
    }

    @Test
    void aDocumentsBlockDependsOnlyOnTheDocumentNotOnItsUploaderOrCompany() {
        PromptDocument alices = doc("report-final.pdf", "Annual report", "ab", T0, "Revenue rose.");
        PromptDocument bobs = doc("scan 3.pdf", "Annual report", "ab", T0.plusSeconds(3600), "Revenue rose.");
        PromptDocument other = doc("other.pdf", null, "00", T0, "Other.");
        String alone = builder.systemSegments(List.of(alices)).get(1);
        assertThat(builder.systemSegments(List.of(bobs)).get(1)).isEqualTo(alone);
        assertThat(builder.systemSegments(List.of(alices, other))).contains(alone);
        assertThat(alone).doesNotContain("report-final.pdf").doesNotContain("number");
    }

    @Test
    void tooLongReportsItsTokensTheLimitAndTheExcess() {
        ContextBudget budget = new ContextBudget(properties, () -> 0);
        ContextBudget.Fit fit = budget.check(3000, 3100);
        assertThat(fit.fits()).isFalse();
        assertThat(fit.needed()).isEqualTo(5148);
        assertThat(fit.message()).contains("the document is 3,000 tokens", "2,048 tokens kept for the answer",
                "needs 5,148 tokens", "context holds 4,096", "1,052 tokens over");
        assertThat(budget.check(1000, 2048).fits()).isTrue();
        assertThat(budget.check(1000, 2049).fits()).isFalse();
    }

    @Test
    void aModelWithAShorterContextThanConfiguredIsTheLimit() {
        ContextBudget budget = new ContextBudget(properties, () -> 3072);
        ContextBudget.Fit fit = budget.check(1000, 1100);
        assertThat(fit.fits()).isFalse();
        assertThat(fit.contextLength()).isEqualTo(3072);
        assertThat(fit.message()).contains("context holds 3,072 (the model's own context; lectern.model.context-length"
                + " asks for 4,096)");
        assertThat(new ContextBudget(properties, () -> 8192).check(1000, 2048).contextLength())
                .as("the configured context when the engine's is not shorter").isEqualTo(4096);
    }

    private static PromptDocument doc(String filename, String title, String sha256, Instant created, String text) {
        Document d = new Document(UUID.nameUUIDFromBytes(filename.getBytes()), 1, filename, "application/pdf", 10,
                sha256.repeat(32), title, null, null, 1, 42, text.length(), DocumentStatus.EXTRACTED, null, null,
                created, created, created, null, false, "alice", true);
        return new PromptDocument(d, text);
    }

    static LecternProperties properties(String systemPrompt, int reserved, int context) {
        return new LecternProperties(Path.of("data"), new LecternProperties.Model(null, context),
                new LecternProperties.Engine(0, dev.lectern.engine.kv.KvDataType.F16, 16, 256, 256, 64, 2.5,
                        Duration.ofSeconds(60)), new LecternProperties.Cache(DataSize.ofGigabytes(1), DataSize.ofGigabytes(1)),
                new LecternProperties.Documents(DataSize.ofMegabytes(1), Duration.ofSeconds(5), 100_000, 1,
                        LecternProperties.Documents.Isolation.IN_PROCESS, DataSize.ofMegabytes(256), false, LecternProperties.Documents.Ocr.OFF, "eng", Duration.ofSeconds(60), ""),
                new LecternProperties.Chat(systemPrompt, reserved), new LecternProperties.Database(null, null, null),
                new LecternProperties.Security(null));
    }
}
