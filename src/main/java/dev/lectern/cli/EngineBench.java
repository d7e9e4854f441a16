package dev.lectern.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.Generator;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.tokenizer.TokenType;
import dev.lectern.engine.tokenizer.Vocabulary;

/**
 * Times llama-bench's two phases on the path the app takes ({@link Generator#prefill} and
 * {@link Generator#decodeStep}): one untimed warm-up run per test, then the timed repetitions.
 *
 * <p>Prompts are a fixed seeded sequence of ordinary (non-special) token ids, so runs are repeatable
 * and every prompt is a prefix of the longest one. One KV cache, sized for the largest test, serves all
 * tests: a test truncates it rather than allocating a new one (llama.cpp's cache is allocated once too),
 * and a decode test reuses cached prompt positions when an earlier test left enough of them.
 */
final class EngineBench implements AutoCloseable {

    private final Generator generator;
    private final PagedKvCache cache;
    private final int[] prompt;
    private final int vocabularySize;
    /** How many leading cache positions hold {@link #prompt}'s tokens (the rest, if any, are generated). */
    private int cachedPromptPositions;

    EngineBench(Qwen3Model model, Backend backend, int capacity, int longestPrompt, long seed, KvDataType kvType) {
        this.generator = new Generator(model, backend, capacity, kvType);
        this.cache = generator.newCache();
        this.prompt = seededTokens(model.tokenizer().vocabulary(), Math.max(1, longestPrompt), seed);
        this.vocabularySize = model.config().vocabularySize();
    }

    /** Bytes of KV cache the tests can fill: every position of its capacity, in whole blocks. */
    long kvCacheBytes() {
        long blocks = (cache.capacity() + cache.blockSize() - 1) / cache.blockSize();
        return blocks * cache.blockSize() * cache.bytesPerPosition();
    }

    /** One warm-up run, then {@code reps} timed ones; tells {@code progress} what it is doing. */
    BenchMeasurement run(BenchTest test, int reps, Consumer<String> progress) {
        if (test.positions() > cache.capacity()) {
            throw new IllegalArgumentException(test.name() + " at depth " + test.depth() + " needs "
                    + test.positions() + " positions but the KV cache holds " + cache.capacity());
        }
        long[] nanos = new long[reps];
        for (int rep = -1; rep < reps; rep++) {
            long elapsed = test.kind() == BenchTest.Kind.PREFILL ? timePrefill(test.tokens(), test.depth())
                    : timeDecode(test.tokens(), test.depth());
            progress.accept(String.format(Locale.ROOT, "%s%s %s: %.1f tok/s", test.name(),
                    test.depth() > 0 ? " @ d" + test.depth() : "", rep < 0 ? "warm-up" : "rep " + (rep + 1),
                    test.tokens() * 1e9 / elapsed));
            if (rep >= 0) {
                nanos[rep] = elapsed;
            }
        }
        return new BenchMeasurement(test, nanos);
    }

    /** Fills the cache to {@code depth} prompt positions (untimed), then times a prefill of {@code tokens} more. */
    private long timePrefill(int tokens, int depth) {
        fillTo(depth);
        int[] tokensToEncode = Arrays.copyOfRange(prompt, depth, depth + tokens);
        long start = System.nanoTime();
        generator.prefill(tokensToEncode, cache, GenerationListener.ignoring(), new Cancellation());
        long elapsed = System.nanoTime() - start;
        cachedPromptPositions = depth + tokens;
        return elapsed;
    }

    /**
     * Leaves exactly the first {@code depth} prompt tokens in the cache, encoding only those not there yet (a
     * decode test at depth 32K after a prefill test at 16K encodes the second 16K only).
     */
    private void fillTo(int depth) {
        if (cachedPromptPositions >= depth) {
            cache.truncate(depth);
        } else {
            cache.truncate(cachedPromptPositions);
            generator.prefill(Arrays.copyOfRange(prompt, cachedPromptPositions, depth), cache,
                    GenerationListener.ignoring(), new Cancellation());
        }
        cachedPromptPositions = depth;
    }

    /** Fills the cache to {@code depth} prompt positions (untimed), then times {@code tokens} decode steps. */
    private long timeDecode(int tokens, int depth) {
        fillTo(depth);
        // Like llama-bench, the first input is an arbitrary token; after it each step feeds its own argmax.
        int token = prompt[depth % prompt.length];
        long start = System.nanoTime();
        for (int i = 0; i < tokens; i++) {
            token = argmax(generator.decodeStep(token, cache));
        }
        return System.nanoTime() - start;
    }

    private int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < vocabularySize; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] seededTokens(Vocabulary vocabulary, int count, long seed) {
        int[] ordinary = IntStream.range(0, vocabulary.size())
                .filter(id -> vocabulary.type(id) == TokenType.NORMAL).toArray();
        if (ordinary.length == 0) {
            throw new IllegalArgumentException("the model's vocabulary has no ordinary tokens to build a prompt from");
        }
        SplittableRandom random = new SplittableRandom(seed);
        return IntStream.range(0, count).map(i -> ordinary[random.nextInt(ordinary.length)]).toArray();
    }

    @Override
    public void close() {
        cache.close();
    }
}
