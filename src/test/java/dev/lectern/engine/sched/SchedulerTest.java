package dev.lectern.engine.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.PrefillProgress;
import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.FinishReason;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;

/**
 * The scheduler on a tiny model: batched sequences get exactly their solo tokens, a long prefill never
 * stops a stream, the KV pool's counters return to zero however a request ends, and every way a request
 * can fail says so without stopping the engine.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SchedulerTest {

    @TempDir
    static Path dir;

    private static Qwen3Model model;
    private static KvLayout layout;

    @BeforeAll
    static void generateModel() throws IOException {
        model = Qwen3Model.load(TestModelGenerator.write(dir.resolve("tiny-f16.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.F16, 41).withOutputStd(1f),
                Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), p -> { }).file());
        layout = new KvLayout(model.config().blockCount(), model.config().kvWidth(), KvLayout.DEFAULT_BLOCK_SIZE,
                KvDataType.F16);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A scheduler over a pool of {@code blocks} blocks; closing it closes the pool too. */
    private record Engine(Scheduler scheduler, KvBlockPool pool) implements AutoCloseable {
        RequestHandle submit(GenerationRequest request) {
            return scheduler.submit(request);
        }

        @Override
        public void close() {
            scheduler.close();
            assertThat(pool.stats().usedBlocks()).as("KV blocks still held when the engine stops").isZero();
            pool.close();
        }
    }

    private static Engine engine(Backend backend, int blocks, SchedulerSettings settings) {
        KvBlockPool pool = KvBlockPool.ofBlocks(layout, blocks);
        Scheduler scheduler = new Scheduler(model, backend, pool, settings);
        scheduler.ready().join();
        return new Engine(scheduler, pool);
    }

    private static GenerationRequest greedy(int[] prompt, int maxTokens, GenerationListener listener) {
        return GenerationRequest.of(prompt, SamplingParameters.greedy().withMaxTokens(maxTokens), Set.of(), listener);
    }

    private static int[] randomPrompt(SplittableRandom random, int length) {
        return IntStream.range(0, length).map(i -> random.nextInt(150_000)).toArray();
    }

    @Test
    void sixteenConcurrentRequestsEachGetExactlyTheTokensOfTheirSoloRun() {
        SplittableRandom random = new SplittableRandom(3);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            prompts.add(randomPrompt(random, 3 + random.nextInt(90)));
        }
        List<int[]> solo = new ArrayList<>();
        try (Engine engine = engine(new ReferenceBackend(), 64, SchedulerSettings.defaults(256).withMaxRunning(1))) {
            for (int[] prompt : prompts) {
                solo.add(engine.submit(greedy(prompt, 12, GenerationListener.ignoring())).result().join().tokens());
            }
        }
        // The scalar reference handles each row alone, so batching must not change a single token; every
        // token streamed must arrive once, in order, under its own request.
        try (Engine engine = engine(new ReferenceBackend(), 64, SchedulerSettings.defaults(256)
                .withPrefillChunks(64, 16))) {
            List<List<Integer>> streamed = new ArrayList<>();
            List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
            for (int[] prompt : prompts) {
                List<Integer> tokens = Collections.synchronizedList(new ArrayList<>());
                streamed.add(tokens);
                results.add(engine.submit(greedy(prompt, 12, (token, text, elapsed) -> {
                    if (token >= 0) {
                        tokens.add(token);
                    }
                })).result());
            }
            for (int i = 0; i < prompts.size(); i++) {
                GenerationResult result = results.get(i).join();
                assertThat(result.tokens()).as("request %d", i).containsExactly(solo.get(i));
                assertThat(streamed.get(i)).as("request %d streamed", i)
                        .containsExactly(IntStream.of(solo.get(i)).boxed().toArray(Integer[]::new));
            }
            assertThat(engine.scheduler().stats().steps()).as("batched: far fewer steps than 16 solo runs")
                    .isLessThan(16 * 12);
        }
    }

    @Test
    void aDecodingSequenceGetsATokenAtEveryStepWhileALongPromptIsEncoded() {
        try (CpuBackend backend = new CpuBackend(2);
             Engine engine = engine(backend, 80, SchedulerSettings.defaults(4200).withPrefillChunks(256, 32))) {
            Scheduler scheduler = engine.scheduler();
            List<Long> decoderSteps = Collections.synchronizedList(new ArrayList<>());
            List<PrefillProgress> encoding = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch streaming = new CountDownLatch(2);
            RequestHandle decoder = engine.submit(greedy(new int[] {100, 200}, 4000, (token, text, elapsed) -> {
                // Token -1 is the text still held back when the request ends (here: cancelled), sent in the
                // same step as the last sampled token; only sampled tokens mark a step.
                if (token >= 0) {
                    decoderSteps.add(scheduler.stats().steps());
                    streaming.countDown();
                }
            }));
            awaitQuietly(streaming);
            GenerationResult document = engine.submit(greedy(randomPrompt(new SplittableRandom(9), 4000), 1,
                    new GenerationListener() {
                        @Override
                        public void onProgress(PrefillProgress progress) {
                            encoding.add(progress);
                        }

                        @Override
                        public void onToken(int token, String text, long elapsed) {
                        }
                    })).result().join();
            decoder.cancel();
            GenerationResult stream = decoder.result().join();

            assertThat(document.stats().promptTokens()).isEqualTo(4000);
            assertThat(stream.stats().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(encoding).as("progress in chunks of at most 32 tokens, with an estimate once measured")
                    .hasSizeGreaterThanOrEqualTo(4000 / 32);
            assertThat(encoding.getLast().done()).isEqualTo(4000);
            assertThat(encoding.get(encoding.size() / 2).etaNanos()).isPositive();
            List<Long> steps = List.copyOf(decoderSteps);
            for (int i = 1; i < steps.size(); i++) {
                assertThat(steps.get(i)).as("the decoder's token %d comes one step after the one before", i)
                        .isEqualTo(steps.get(i - 1) + 1);
            }
            assertThat(steps.size()).as("tokens streamed while 4000 tokens were encoded").isGreaterThan(4000 / 32);
        }
    }

    @Test
    void theKvPoolIsEmptyAgainAfterRequestsFinishFailOrAreCancelledMidPrefill() {
        try (Engine engine = engine(new ReferenceBackend(), 40, SchedulerSettings.defaults(2048)
                .withPrefillChunks(64, 16))) {
            CountDownLatch encodingStarted = new CountDownLatch(1);
            Cancellation stopMidPrefill = new Cancellation();
            RequestHandle long1 = engine.submit(greedy(randomPrompt(new SplittableRandom(1), 1500), 5,
                    new GenerationListener() {
                        @Override
                        public void onPrefillProgress(int done, int total) {
                            if (done >= 128) {
                                encodingStarted.countDown();
                            }
                        }

                        @Override
                        public void onToken(int token, String text, long elapsed) {
                        }
                    }).withCancellation(stopMidPrefill));
            RequestHandle finishes = engine.submit(greedy(new int[] {1, 2, 3}, 4, GenerationListener.ignoring()));
            RequestHandle throwing = engine.submit(greedy(new int[] {4, 5, 6}, 8, (token, text, elapsed) -> {
                throw new IllegalStateException("the client went away");
            }));
            awaitQuietly(encodingStarted);
            assertThat(engine.pool().stats().usedBlocks()).as("the long prompt holds blocks mid-prefill").isPositive();
            stopMidPrefill.cancel();

            GenerationResult cancelled = long1.result().join();
            assertThat(cancelled.stats().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(cancelled.tokens()).isEmpty();
            assertThat(finishes.result().join().tokens()).hasSize(4);
            assertThatThrownBy(() -> throwing.result().join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(GenerationFailure.class).hasMessageContaining("the client went away");
            assertThat(engine.pool().stats().usedBlocks()).isZero();
            assertThat(engine.pool().stats().sharedBlocks()).isZero();
            // The engine goes on after all that.
            assertThat(engine.submit(greedy(new int[] {7, 8}, 3, GenerationListener.ignoring())).result().join()
                    .tokens()).hasSize(3);
        }
    }

    @Test
    void aRequestThatCannotGetKvMemoryWaitsThenFailsWithAClearError() {
        // 4 blocks of 64 positions; a cached prefix held outside the batch pins 3 of them.
        try (Engine engine = engine(new ReferenceBackend(), 4, SchedulerSettings.defaults(512)
                .withKvWaitTimeout(Duration.ofMillis(400)))) {
            GenerationResult encoded = engine.submit(greedy(randomPrompt(new SplittableRandom(2), 150), 1,
                    GenerationListener.ignoring()).keepingKv()).result().join();
            KvPrefix pinned = encoded.kept();
            assertThat(pinned.length()).isEqualTo(150);
            assertThat(engine.pool().stats().usedBlocks()).isEqualTo(3);

            long start = System.nanoTime();
            RequestHandle starved = engine.submit(greedy(randomPrompt(new SplittableRandom(3), 100), 4,
                    GenerationListener.ignoring()));
            assertThatThrownBy(() -> starved.result().join()).cause()
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.KV_MEMORY_FULL))
                    .hasMessageContaining("KV cache memory is full").hasMessageContaining("lectern.cache.ram-bytes");
            assertThat(System.nanoTime() - start).as("it waited for memory first")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());

            // While it waits, memory given back lets it run.
            RequestHandle patient = engine.submit(greedy(randomPrompt(new SplittableRandom(4), 100), 4,
                    GenerationListener.ignoring()));
            sleep(100);
            pinned.close();
            assertThat(patient.result().join().tokens()).hasSize(4);

            assertThatThrownBy(() -> engine.submit(greedy(randomPrompt(new SplittableRandom(5), 256), 1,
                    GenerationListener.ignoring())))
                    .as("a prompt larger than the whole budget (4 blocks of 64 positions) is refused at once")
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.KV_MEMORY_FULL));
        }
    }

    @Test
    void whenEverySequenceIsStuckTheNewestGivesItsBlocksBackAndBothStillFinishCorrectly() {
        SplittableRandom random = new SplittableRandom(8);
        int[] first = randomPrompt(random, 120);
        int[] second = randomPrompt(random, 120);
        int[] soloFirst;
        int[] soloSecond;
        try (Engine engine = engine(new ReferenceBackend(), 8, SchedulerSettings.defaults(512).withMaxRunning(1))) {
            soloFirst = engine.submit(greedy(first, 40, GenerationListener.ignoring())).result().join().tokens();
            soloSecond = engine.submit(greedy(second, 40, GenerationListener.ignoring())).result().join().tokens();
        }
        // Each needs 3 blocks at the end (160 positions); 5 blocks cannot hold both, so one is preempted.
        try (Engine engine = engine(new ReferenceBackend(), 5, SchedulerSettings.defaults(512))) {
            CompletableFuture<GenerationResult> a = engine.submit(greedy(first, 40, GenerationListener.ignoring())).result();
            CompletableFuture<GenerationResult> b = engine.submit(greedy(second, 40, GenerationListener.ignoring())).result();
            assertThat(a.join().tokens()).containsExactly(soloFirst);
            assertThat(b.join().tokens()).containsExactly(soloSecond);
        }
    }

    @Test
    void startingFromACachedPrefixGivesTheTokensOfEncodingItAll() {
        SplittableRandom random = new SplittableRandom(12);
        int[] document = randomPrompt(random, 100);
        int[] question = randomPrompt(random, 7);
        int[] prompt = IntStream.concat(IntStream.of(document), IntStream.of(question)).toArray();
        try (Engine engine = engine(new ReferenceBackend(), 16, SchedulerSettings.defaults(512))) {
            int[] fromScratch = engine.submit(greedy(prompt, 10, GenerationListener.ignoring())).result().join().tokens();
            try (KvPrefix cached = engine.submit(greedy(document, 1, GenerationListener.ignoring()).keepingKv())
                    .result().join().kept()) {
                assertThat(cached.length()).isEqualTo(100);
                int[] started = new int[1];
                GenerationResult reused;
                try (KvPrefix own = cached.first(100)) {
                    reused = engine.submit(greedy(prompt, 10, new GenerationListener() {
                        @Override
                        public void onStarted(int cachedTokens) {
                            started[0] = cachedTokens;
                        }

                        @Override
                        public void onToken(int token, String text, long elapsed) {
                        }
                    }).startingFrom(own)).result().join();
                }
                assertThat(reused.tokens()).containsExactly(fromScratch);
                assertThat(reused.stats().cachedTokens()).isEqualTo(100);
                assertThat(started[0]).isEqualTo(100);
                // A prompt that is entirely cached still gets its answer (its last token is run again).
                try (KvPrefix whole = cached.first(100)) {
                    int[] again = engine.submit(greedy(document, 3, GenerationListener.ignoring()).startingFrom(whole))
                            .result().join().tokens();
                    int[] scratch = engine.submit(greedy(document, 3, GenerationListener.ignoring())).result().join()
                            .tokens();
                    assertThat(again).containsExactly(scratch);
                }
            }
        }
    }

    @Test
    void aFullQueueAndAPromptLongerThanTheContextAreRefusedAtOnce() {
        try (Engine engine = engine(new ReferenceBackend(), 16, SchedulerSettings.defaults(64).withMaxRunning(1)
                .withMaxQueued(2))) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            // Its listener holds the engine thread, so nothing else is admitted meanwhile.
            RequestHandle busy = engine.submit(greedy(new int[] {1, 2}, 60, (token, text, elapsed) -> {
                running.countDown();
                awaitQuietly(release);
            }));
            awaitQuietly(running);
            List<RequestHandle> waiting = new ArrayList<>();
            waiting.add(engine.submit(greedy(new int[] {3}, 2, GenerationListener.ignoring())));
            waiting.add(engine.submit(greedy(new int[] {4}, 2, GenerationListener.ignoring())));
            assertThat(waiting.get(1).queuePosition()).isPositive();
            assertThatThrownBy(() -> engine.submit(greedy(new int[] {5}, 2, GenerationListener.ignoring())))
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.QUEUE_FULL))
                    .hasMessageContaining("2 requests are already waiting");
            assertThatThrownBy(() -> engine.submit(greedy(new int[64], 2, GenerationListener.ignoring())))
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.PROMPT_TOO_LONG));
            busy.cancel();
            release.countDown();
            assertThat(busy.result().join().stats().finishReason()).isEqualTo(FinishReason.CANCELLED);
            for (RequestHandle handle : waiting) {
                assertThat(handle.result().join().tokens()).hasSize(2);
            }
        }
    }

    @Test
    void interactiveRequestsAreAdmittedBeforeBackgroundOnes() {
        try (Engine engine = engine(new ReferenceBackend(), 16, SchedulerSettings.defaults(256).withMaxRunning(1))) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            RequestHandle busy = engine.submit(greedy(new int[] {1}, 3, (token, text, elapsed) -> {
                running.countDown();
                awaitQuietly(release);
            }));
            awaitQuietly(running);
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            RequestHandle background = engine.submit(greedy(new int[] {2}, 1, startedAs("background", order))
                    .withPriority(Priority.BACKGROUND));
            RequestHandle interactive = engine.submit(greedy(new int[] {3}, 1, startedAs("interactive", order)));
            release.countDown();
            busy.result().join();
            CompletableFuture.allOf(background.result(), interactive.result()).join();
            assertThat(order).containsExactly("interactive", "background");
        }
    }

    @Test
    void theBackendRefusesCallsFromAnyThreadButTheEngines() {
        try (CpuBackend backend = new CpuBackend(2); Engine engine = engine(backend, 8, SchedulerSettings.defaults(128))) {
            assertThat(engine.submit(greedy(new int[] {1, 2, 3}, 2, GenerationListener.ignoring())).result().join()
                    .tokens()).hasSize(2);
            float[] row = new float[64];
            assertThatThrownBy(() -> backend.rmsNorm(row, 1, 64, row, 1e-6f, row))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("confined to thread 'lectern-engine'");
            assertThatThrownBy(() -> backend.matmul(model.weights().outputHead(), row, 1, new float[151_936]))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closingTheEngineFailsWhatWaitsAndGivesEveryBlockBack() {
        Engine engine = engine(new ReferenceBackend(), 16, SchedulerSettings.defaults(256).withMaxRunning(1));
        CountDownLatch running = new CountDownLatch(1);
        RequestHandle active = engine.submit(greedy(new int[] {1}, 200, (token, text, elapsed) -> running.countDown()));
        RequestHandle queued = engine.submit(greedy(new int[] {2}, 2, GenerationListener.ignoring()));
        awaitQuietly(running);
        engine.close();
        for (RequestHandle handle : List.of(active, queued)) {
            assertThatThrownBy(() -> handle.result().join()).cause()
                    .isInstanceOfSatisfying(GenerationFailure.class, failure ->
                            assertThat(failure.code()).isEqualTo(GenerationFailure.Code.ENGINE_STOPPED));
        }
        assertThatThrownBy(() -> engine.submit(greedy(new int[] {3}, 2, GenerationListener.ignoring())))
                .isInstanceOf(GenerationFailure.class).hasMessageContaining("shutting down");
    }

    private static GenerationListener startedAs(String name, List<String> order) {
        return new GenerationListener() {
            @Override
            public void onStarted(int cachedTokens) {
                order.add(name);
            }

            @Override
            public void onToken(int token, String text, long elapsed) {
            }
        };
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(60, TimeUnit.SECONDS)).as("waited for the engine").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
