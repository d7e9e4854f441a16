package dev.lectern.engine.sched;

import static dev.lectern.testing.ForwardSteps.argmax;
import static dev.lectern.testing.ForwardSteps.greedy;
import static dev.lectern.testing.ForwardSteps.positions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.engine.model.Qwen3Forward;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.FinishReason;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;

class GeneratorTest {

    @TempDir
    static Path dir;

    private static Qwen3Model model;
    private static Generator generator;

    @BeforeAll
    static void loadTinyModel() throws IOException {
        Path file = TestModelGenerator.write(dir.resolve("tiny.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 4).withOutputStd(1f),
                Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), p -> { }).file();
        model = Qwen3Model.load(file);
        generator = new Generator(model, new ReferenceBackend(), 256, KvDataType.F16);
    }

    @AfterAll
    static void close() {
        generator.close();
        model.close();
    }

    @Test
    void greedyGenerationIsTheArgmaxOfEachStepAndStreamsItsText() {
        int[] prompt = model.tokenizer().encode("The report concludes that", true);
        List<String> pieces = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        GenerationResult result = generator.generate(prompt, SamplingParameters.greedy().withMaxTokens(12),
                (token, text, elapsed) -> {
                    pieces.add(text);
                    times.add(elapsed);
                }, new Cancellation());
        assertThat(times).isSorted().allMatch(t -> t > 0);

        assertThat(result.tokens()).containsExactly(manualGreedy(prompt, result.tokens().length));
        assertThat(String.join("", pieces)).isEqualTo(result.text());
        assertThat(result.text()).isEqualTo(new String(model.tokenizer().decode(textTokens(result.tokens())),
                StandardCharsets.UTF_8));
        assertThat(result.stats().promptTokens()).isEqualTo(prompt.length);
        assertThat(result.stats().generatedTokens()).isEqualTo(result.tokens().length);
        assertThat(result.stats().finishReason()).isIn(FinishReason.MAX_TOKENS, FinishReason.STOP_TOKEN);
        assertThat(result.stats().timeToFirstTokenNanos()).isPositive();
    }

    @Test
    void theTokenLimitEndsGeneration() {
        GenerationResult result = generator.generate(model.tokenizer().encode("Once upon a time", true),
                SamplingParameters.defaults().withSeed(7).withMaxTokens(5), GenerationListener.ignoring(),
                new Cancellation());
        assertThat(result.tokens().length).isLessThanOrEqualTo(5);
        if (result.stats().finishReason() == FinishReason.MAX_TOKENS) {
            assertThat(result.tokens()).hasSize(5);
        }
    }

    @Test
    void theSameSeedGivesTheSameTextAndTheSeedIsReported() {
        int[] prompt = model.tokenizer().encode("Seeds make sampling repeatable:", true);
        SamplingParameters sampled = SamplingParameters.defaults().withTemperature(1.0).withSeed(1234).withMaxTokens(10);
        GenerationResult first = generator.generate(prompt, sampled, GenerationListener.ignoring(), new Cancellation());
        GenerationResult again = generator.generate(prompt, sampled, GenerationListener.ignoring(), new Cancellation());
        assertThat(again.tokens()).containsExactly(first.tokens());
        assertThat(first.stats().seed()).isEqualTo(1234);
    }

    @Test
    void cancellingStopsBetweenTokens() {
        Cancellation cancellation = new Cancellation();
        int[] seen = {0};
        GenerationResult result = generator.generate(model.tokenizer().encode("Count with me:", true),
                SamplingParameters.greedy().withMaxTokens(50), (token, text, elapsed) -> {
                    if (++seen[0] == 3) {
                        cancellation.cancel();
                    }
                }, cancellation);
        assertThat(result.stats().finishReason()).isIn(FinishReason.CANCELLED, FinishReason.STOP_TOKEN);
        assertThat(result.tokens().length).isLessThanOrEqualTo(3);
    }

    @Test
    void aPromptThatFillsTheContextIsRefusedWithTheNumbers() {
        try (Generator small = new Generator(model, new ReferenceBackend(), 8, KvDataType.F16)) {
            int[] prompt = model.tokenizer().encode("one two three four five six seven eight nine ten", true);
            assertThatThrownBy(() -> small.generate(prompt, SamplingParameters.greedy(), GenerationListener.ignoring(),
                    new Cancellation()))
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.PROMPT_TOO_LONG))
                    .hasMessageContaining("The prompt has " + prompt.length + " tokens but the context holds 8")
                    .hasMessageContaining("it is " + (prompt.length - 7) + " tokens too long");
        }
    }

    @Test
    void chatRendersTheTemplateAndReportsPrefillProgressInChunks() {
        List<int[]> progress = new ArrayList<>();
        GenerationResult result;
        try (Generator roomy = new Generator(model, new ReferenceBackend(), 1024, KvDataType.F16)) {
            result = roomy.chat(List.of(ChatMessage.user("word ".repeat(300))), false,
                SamplingParameters.greedy().withMaxTokens(2), new GenerationListener() {
                    @Override
                    public void onPrefillProgress(int done, int total) {
                        progress.add(new int[] {done, total});
                    }

                    @Override
                    public void onToken(int token, String text, long elapsedNanos) {
                    }
                }, new Cancellation());
        }
        int total = result.stats().promptTokens();
        int chunk = SchedulerSettings.DEFAULT_PREFILL_CHUNK;
        assertThat(total).isGreaterThan(chunk);
        assertThat(progress).extracting(p -> p[0]).containsExactly(0, chunk, total);
        assertThat(progress).extracting(p -> p[1]).containsOnly(total);
    }

    /** Decoding one token at a time must give the logits a single batch gives: the batched path depends on it. */
    @Test
    void decodingOneTokenAtATimeGivesTheLogitsOfOneBatch() {
        int[] tokens = model.tokenizer().encode("Batched prefill and token-by-token decoding agree, always.", true);
        int vocabulary = model.config().vocabularySize();
        Qwen3Forward forward = new Qwen3Forward(model, new ReferenceBackend());
        int[] allRows = positions(0, tokens.length);
        float[] batched;
        try (PagedKvCache cache = cache()) {
            batched = forward.forward(tokens, allRows.clone(), cache, allRows);
        }
        try (PagedKvCache cache = cache()) {
            for (int i = 0; i < tokens.length; i++) {
                float[] one = forward.forward(new int[] {tokens[i]}, new int[] {i}, cache, new int[] {0});
                for (int v = 0; v < vocabulary; v++) {
                    float expected = batched[i * vocabulary + v];
                    assertThat(one[v]).as("position %d token %d", i, v)
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4f * Math.max(1f, Math.abs(expected))));
                }
            }
        }
    }

    private static PagedKvCache cache() {
        return new PagedKvCache(model.config().blockCount(), model.config().kvWidth(), 256, KvDataType.F16,
                PagedKvCache.DEFAULT_BLOCK_SIZE);
    }

    private static int[] manualGreedy(int[] prompt, int count) {
        Qwen3Forward forward = new Qwen3Forward(model, new ReferenceBackend());
        try (PagedKvCache cache = cache()) {
            float[] logits = forward.forward(prompt, positions(0, prompt.length), cache, new int[] {prompt.length - 1});
            return greedy(forward, cache, argmax(logits), count);
        }
    }

    /** The generated ids without a final stop token, whose text is not part of the answer. */
    private static int[] textTokens(int[] tokens) {
        int n = tokens.length;
        if (n > 0 && (tokens[n - 1] == Qwen3Vocabulary.IM_END_ID || tokens[n - 1] == Qwen3Vocabulary.END_OF_TEXT_ID)) {
            n--;
        }
        return java.util.Arrays.copyOf(tokens, n);
    }
}
