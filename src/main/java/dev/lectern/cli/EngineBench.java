package dev.lectern.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.engine.sched.Scheduler;
import dev.lectern.engine.sched.SchedulerSettings;
import dev.lectern.engine.tokenizer.TokenType;
import dev.lectern.engine.tokenizer.Vocabulary;

/**
 * Times llama-bench's two phases through the scheduler, the path every request of the app takes: one
 * untimed warm-up run per test, then the timed repetitions. A prefill test is one request whose prompt is
 * encoded in the scheduler's chunks; a decode test runs {@code concurrent} requests together, each starting
 * from the same cached prompt of the test's depth (encoded once, untimed, and shared by reference) plus one
 * arbitrary token, greedy, with no stop token, so every step decodes one row per sequence.
 *
 * <p>Prompts are a fixed seeded sequence of ordinary (non-special) token ids, so runs are repeatable.
 */
final class EngineBench implements AutoCloseable {

    private final Scheduler scheduler;
    private final KvBlockPool pool;
    private final int[] prompt;
    private final int capacity;
    private KvPrefix depthPrefix;
    /** Prefill runs at depth 0 so far: each starts from another first token (see {@link #uncachedPrompt}). */
    private int prefillRuns;

    EngineBench(Qwen3Model model, Backend backend, int capacity, int longestPrompt, int maxConcurrent, long seed,
                KvDataType kvType) {
        KvLayout layout = new KvLayout(model.config().blockCount(), model.config().kvWidth(), KvLayout.DEFAULT_BLOCK_SIZE,
                kvType);
        // The shared depth prompt, and each concurrent sequence's own tokens (plus a copied partial block).
        int blocks = layout.blocksFor(capacity) + maxConcurrent * (layout.blocksFor(capacity) + 1);
        this.pool = KvBlockPool.ofBlocks(layout, blocks);
        this.capacity = capacity;
        this.scheduler = new Scheduler(model, backend, pool, SchedulerSettings.defaults(capacity)
                .withMaxRunning(Math.max(2, maxConcurrent)));
        this.prompt = seededTokens(model.tokenizer().vocabulary(), Math.max(2, longestPrompt + 1), seed);
        scheduler.ready().join();
    }

    /** Bytes of KV cache the tests can fill: one sequence at the largest test's length, in whole blocks. */
    long kvCacheBytes() {
        return pool.layout().blocksFor(capacity) * pool.layout().blockBytes();
    }

    /** One warm-up run, then {@code reps} timed ones; tells {@code progress} what it is doing. */
    BenchMeasurement run(BenchTest test, int reps, Consumer<String> progress) {
        if (test.positions() > capacity) {
            throw new IllegalArgumentException(test.name() + " at depth " + test.depth() + " needs "
                    + test.positions() + " positions but the KV cache holds " + capacity);
        }
        long[] nanos = new long[reps];
        double[] perSequence = new double[reps];
        for (int rep = -1; rep < reps; rep++) {
            Timing timing = test.kind() == BenchTest.Kind.PREFILL ? timePrefill(test.tokens(), test.depth())
                    : timeDecode(test.tokens(), test.depth(), test.concurrent());
            progress.accept(String.format(Locale.ROOT, "%s%s%s %s: %.1f tok/s", test.name(),
                    test.depth() > 0 ? " @ d" + test.depth() : "", test.concurrent() > 1 ? " x" + test.concurrent() : "",
                    rep < 0 ? "warm-up" : "rep " + (rep + 1), test.totalTokens() * 1e9 / timing.nanos));
            if (rep >= 0) {
                nanos[rep] = timing.nanos;
                perSequence[rep] = timing.perSequenceTokensPerSecond;
            }
        }
        return new BenchMeasurement(test, nanos, perSequence);
    }

    private record Timing(long nanos, double perSequenceTokensPerSecond) {
    }

    /**
     * The time from admission to the prompt's last logits: {@code tokens} tokens encoded after the cached
     * depth prompt (none at depth 0).
     */
    private Timing timePrefill(int tokens, int depth) {
        KvPrefix prefix = depth > 0 ? depthPrefix(depth) : null;
        try {
            int[] tokensToEncode = depth > 0 ? Arrays.copyOf(prompt, depth + tokens) : uncachedPrompt(tokens);
            GenerationResult result = submit(tokensToEncode, 1, prefix, GenerationListener.ignoring()).join();
            if (result.stats().promptTokens() - result.stats().cachedTokens() != tokens) {
                throw new IllegalStateException("the prefill test encoded " + (result.stats().promptTokens()
                        - result.stats().cachedTokens()) + " tokens, not " + tokens + ": the rest came from the cache");
            }
            long nanos = result.stats().prefillNanos();
            return new Timing(nanos, tokens * 1e9 / nanos);
        } finally {
            if (prefix != null) {
                prefix.close();
            }
        }
    }

    /**
     * The seeded prompt's first {@code tokens} tokens, its first token changed until the pool holds none of its
     * blocks. Without a prefix the scheduler looks the prompt up in the pool, and the warm-up run (and every
     * earlier repetition) left this prompt's whole blocks there: a prefill test would then encode only the last
     * partial block.
     */
    private int[] uncachedPrompt(int tokens) {
        int[] fresh = Arrays.copyOf(prompt, tokens);
        for (int attempt = 0; attempt < prompt.length; attempt++) {
            fresh[0] = prompt[(prefillRuns++ + 1) % prompt.length];
            KvPrefix cached = pool.lookup(fresh);
            if (cached == null) {
                return fresh;
            }
            cached.close();
        }
        throw new IllegalStateException("every variant of the " + tokens + "-token prompt is cached");
    }

    /**
     * Runs {@code concurrent} sequences of {@code tokens} decoding steps each after the cached depth prompt;
     * the aggregate rate counts every sequence's tokens over the wall time from the first submission to the
     * last token.
     */
    private Timing timeDecode(int tokens, int depth, int concurrent) {
        KvPrefix prefix = depth > 0 ? depthPrefix(depth) : null;
        try {
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            long start = System.nanoTime();
            for (int s = 0; s < concurrent; s++) {
                int[] sequence = Arrays.copyOf(prompt, depth + 1);
                // Like llama-bench, the first input is an arbitrary token; each sequence gets another one.
                sequence[depth] = prompt[(depth + 1 + s) % prompt.length];
                results.add(submit(sequence, tokens, prefix, GenerationListener.ignoring()));
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).join();
            long wall = System.nanoTime() - start;
            double perSequence = results.stream().map(CompletableFuture::join).map(GenerationResult::stats)
                    .mapToDouble(stats -> tokens * 1e9 / (stats.prefillNanos() + stats.decodeNanos())).average()
                    .orElseThrow();
            return new Timing(wall, perSequence);
        } finally {
            if (prefix != null) {
                prefix.close();
            }
        }
    }

    /**
     * The seeded prompt's first {@code depth} tokens as cached KV, encoded once for the longest depth asked: a
     * deeper test extends the cached prompt (a decode test at depth 32K after a prefill test at 16K encodes the
     * second 16K only).
     */
    private KvPrefix depthPrefix(int depth) {
        if (depthPrefix == null || depthPrefix.length() < depth) {
            KvPrefix shorter = depthPrefix;
            depthPrefix = submit(Arrays.copyOf(prompt, depth), 1, shorter, GenerationListener.ignoring(), true).join()
                    .kept();
            if (shorter != null) {
                shorter.close();
            }
            if (depthPrefix.length() < depth) {
                throw new IllegalStateException("the encoded depth prompt holds " + depthPrefix.length() + " of "
                        + depth + " positions");
            }
        }
        return depthPrefix.first(depth);
    }

    /** Greedy, no stop token: exactly {@code maxTokens} tokens. */
    CompletableFuture<GenerationResult> submit(int[] tokens, int maxTokens, KvPrefix prefix,
                                               GenerationListener listener) {
        return submit(tokens, maxTokens, prefix, listener, false);
    }

    private CompletableFuture<GenerationResult> submit(int[] tokens, int maxTokens, KvPrefix prefix,
                                                       GenerationListener listener, boolean keep) {
        GenerationRequest request = GenerationRequest.of(tokens, SamplingParameters.greedy().withMaxTokens(maxTokens),
                Set.of(), listener).withPriority(Priority.INTERACTIVE);
        if (prefix != null) {
            request = request.startingFrom(prefix);
        }
        if (keep) {
            request = request.keepingKv();
        }
        RequestHandle handle = scheduler.submit(request);
        return handle.result();
    }

    /**
     * The inter-token gap of one streaming sequence, alone and while another request encodes a
     * {@code prefill}-token prompt: what a reading user feels while someone else uploads a document.
     */
    GapMeasurement measureGaps(int prefill) {
        List<Long> solo = decodeGaps(0, 64);
        List<Long> shared = decodeGaps(prefill, 0);
        return new GapMeasurement(prefill, solo, shared);
    }

    /**
     * Streams one sequence; with {@code prefill} > 0 submits that long a prompt after the stream's third
     * token and returns the gaps measured until that prompt is encoded (then cancels the stream); otherwise
     * returns the gaps of {@code tokens} tokens.
     */
    private List<Long> decodeGaps(int prefill, int tokens) {
        List<Long> times = new ArrayList<>();
        CompletableFuture<Void> interfererEncoded = new CompletableFuture<>();
        long[] window = {Long.MIN_VALUE, Long.MAX_VALUE};
        GenerationListener listener = (token, text, elapsed) -> {
            long now = System.nanoTime();
            synchronized (times) {
                times.add(now);
                if (prefill > 0 && times.size() == 3) {
                    window[0] = now;
                    GenerationListener interference = new GenerationListener() {
                        @Override
                        public void onToken(int t, String s, long e) {
                            window[1] = System.nanoTime();
                            interfererEncoded.complete(null);
                        }
                    };
                    submit(Arrays.copyOf(prompt, Math.min(prefill, prompt.length)), 1, null, interference);
                }
            }
        };
        int maxTokens = prefill > 0 ? capacity - 2 : tokens;
        GenerationRequest request = GenerationRequest.of(Arrays.copyOf(prompt, 1),
                SamplingParameters.greedy().withMaxTokens(maxTokens), Set.of(), listener);
        RequestHandle handle = scheduler.submit(request);
        if (prefill > 0) {
            interfererEncoded.join();
            handle.cancel();
        }
        handle.result().join();
        List<Long> gaps = new ArrayList<>();
        synchronized (times) {
            for (int i = 1; i < times.size(); i++) {
                if (prefill == 0 || (times.get(i - 1) >= window[0] && times.get(i) <= window[1])) {
                    gaps.add(times.get(i) - times.get(i - 1));
                }
            }
        }
        return gaps;
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
        if (depthPrefix != null) {
            depthPrefix.close();
        }
        scheduler.close();
        pool.close();
    }
}
