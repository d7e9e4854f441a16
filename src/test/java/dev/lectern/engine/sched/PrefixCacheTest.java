package dev.lectern.engine.sched;

import static dev.lectern.testing.ForwardSteps.positions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.chat.ChatTokens;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.KvFingerprint;
import dev.lectern.engine.kv.KvLayout;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.kv.KvPrefixFile;
import dev.lectern.engine.kv.KvSequence;
import dev.lectern.engine.model.Qwen3Forward;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;

/**
 * Automatic prefix reuse: a prompt that begins with blocks another request computed starts from them, and
 * the logits after a cached prefix are the logits after recomputing it, bit for bit (the reference backend
 * computes every row on its own, so any difference would be the cache's).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PrefixCacheTest {

    @TempDir
    static Path dir;

    private static Qwen3Model model;
    private static KvLayout layout;

    @BeforeAll
    static void generateModel() throws IOException {
        model = Qwen3Model.load(TestModelGenerator.write(dir.resolve("tiny-f16.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.F16, 51).withOutputStd(1f),
                Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), p -> { }).file());
        layout = new KvLayout(model.config().blockCount(), model.config().kvWidth(), KvLayout.DEFAULT_BLOCK_SIZE,
                KvDataType.F16);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void logitsAfterACachedPrefixEqualLogitsAfterRecomputingItBitForBit() {
        SplittableRandom random = new SplittableRandom(1);
        int[] document = randomTokens(random, 200);
        int[] question = randomTokens(random, 11);
        int[] prompt = IntStream.concat(IntStream.of(document), IntStream.of(question)).toArray();
        Qwen3Forward forward = new Qwen3Forward(model, new ReferenceBackend());
        try (KvBlockPool pool = KvBlockPool.ofBlocks(layout, 16)) {
            float[] recomputed;
            try (KvSequence fresh = pool.newSequence(512)) {
                fresh.reserve(prompt.length);
                recomputed = forward.forward(prompt, positions(0, prompt.length), fresh, new int[] {prompt.length - 1});
            }
            try (KvSequence encoder = pool.newSequence(512)) {
                encoder.reserve(document.length);
                forward.forward(document, positions(0, document.length), encoder, new int[0]);
                encoder.registerFullBlocks(document);
            }
            assertThat(pool.stats().usedBlocks()).isZero();
            assertThat(pool.stats().cachedBlocks()).as("three full blocks stay cached after their sequence ended")
                    .isEqualTo(3);
            try (KvPrefix hit = pool.lookup(prompt); KvSequence reuser = pool.newSequence(512, hit)) {
                assertThat(hit.length()).isEqualTo(192);
                int[] rest = java.util.Arrays.copyOfRange(prompt, 192, prompt.length);
                reuser.reserve(prompt.length);
                float[] cached = forward.forward(rest, positions(192, prompt.length), reuser, new int[] {rest.length - 1});
                assertThat(cached).containsExactly(recomputed);
            }
            assertThat(pool.stats().hitTokens()).isEqualTo(192);
            assertThat(pool.stats().queriedTokens()).isEqualTo(prompt.length);
        }
    }

    @Test
    void logitsAfterAPrefixReadBackFromDiskIntoAnotherPoolEqualLogitsAfterRecomputingIt() throws IOException {
        SplittableRandom random = new SplittableRandom(6);
        int[] document = randomTokens(random, 140);
        int[] prompt = IntStream.concat(IntStream.of(document), IntStream.of(randomTokens(random, 7))).toArray();
        Qwen3Forward forward = new Qwen3Forward(model, new ReferenceBackend());
        KvFingerprint fingerprint = KvFingerprint.of(model.fingerprint(), layout);
        Path file = dir.resolve("document.kv");
        float[] recomputed;
        try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes())) {
            try (KvSequence fresh = pool.newSequence(512)) {
                fresh.reserve(prompt.length);
                recomputed = forward.forward(prompt, positions(0, prompt.length), fresh, new int[] {prompt.length - 1});
                fresh.registerFullBlocks(prompt);
            }
            try (KvPrefix encoded = pool.lookup(document)) {
                assertThat(encoded.length()).isEqualTo(128);
                KvPrefixFile.write(file, encoded, fingerprint);
            }
        }
        assertThat(KvPrefixFile.maps(layout)).as("the tiny model's blocks are whole pages, so they are mapped").isTrue();
        // A new pool, as after a restart: nothing in RAM until the file is mapped (or read, the fallback).
        for (boolean map : new boolean[] {true, false}) {
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes())) {
                assertThat(pool.lookup(prompt)).isNull();
                try (KvPrefix loaded = KvPrefixFile.load(file, pool, fingerprint, map);
                     KvPrefix hit = pool.lookup(prompt);
                     KvSequence reuser = pool.newSequence(512, hit)) {
                    assertThat(loaded.length()).isEqualTo(128);
                    assertThat(hit.length()).isEqualTo(128);
                    assertThat(pool.stats().mappedBlocks()).as("mapped: " + map).isEqualTo(map ? 2 : 0);
                    assertThat(pool.stats().residentBlocks()).as("mapped: " + map).isEqualTo(map ? 0 : 2);
                    int[] rest = java.util.Arrays.copyOfRange(prompt, 128, prompt.length);
                    reuser.reserve(prompt.length);
                    float[] fromDisk = forward.forward(rest, positions(128, prompt.length), reuser, new int[] {rest.length - 1});
                    assertThat(fromDisk).as("mapped: " + map).containsExactly(recomputed);
                }
            }
        }
    }

    @Test
    void aMappedPrefixGivesTheEnginesKernelsTheLogitsOfTheBlocksItWasWrittenFrom() throws IOException {
        SplittableRandom random = new SplittableRandom(8);
        int[] document = randomTokens(random, 192);
        int[] prompt = IntStream.concat(IntStream.of(document), IntStream.of(randomTokens(random, 9))).toArray();
        int[] rest = java.util.Arrays.copyOfRange(prompt, 192, prompt.length);
        KvFingerprint fingerprint = KvFingerprint.of(model.fingerprint(), layout);
        Path file = dir.resolve("native.kv");
        // The native kernels read blocks by address. Against the same blocks in RAM, not against recomputing: the
        // kernels' results depend on how a prompt is split into rows (the reference backend's test above holds
        // the cache to recomputation). Within a hair rather than bit for bit: the Vector API's lane reductions sum
        // in another order before and after the JIT compiles them, and it may do so between two passes; a wrong
        // or damaged block moves logits by far more.
        Offset<Float> sameBlocks = Offset.offset(1e-4f);
        try (CpuBackend backend = new CpuBackend(2)) {
            Qwen3Forward forward = new Qwen3Forward(model, backend);
            float[] fromRam;
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes())) {
                try (KvSequence encoder = pool.newSequence(512)) {
                    encoder.reserve(document.length);
                    forward.forward(document, positions(0, document.length), encoder, new int[0]);
                    encoder.registerFullBlocks(document);
                }
                try (KvPrefix encoded = pool.lookup(prompt); KvSequence reuser = pool.newSequence(512, encoded)) {
                    KvPrefixFile.write(file, encoded, fingerprint);
                    reuser.reserve(prompt.length);
                    fromRam = forward.forward(rest, positions(192, prompt.length), reuser, new int[] {rest.length - 1});
                }
            }
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes());
                 KvPrefix loaded = KvPrefixFile.load(file, pool, fingerprint);
                 KvSequence reuser = pool.newSequence(512, loaded);
                 KvSequence second = pool.newSequence(512, loaded)) {
                assertThat(pool.stats().mappedBlocks()).isEqualTo(3);
                assertThat(reuser.keyBlock(0, 0).isReadOnly()).as("a mapped block is the file's page cache").isTrue();
                reuser.reserve(prompt.length);
                float[] mapped = forward.forward(rest, positions(192, prompt.length), reuser, new int[] {rest.length - 1});
                assertThat(mapped).as("mapped blocks against the RAM blocks they were written from").containsExactly(fromRam, sameBlocks);
                // A second sequence over the same mapped blocks, each writing its own blocks after them.
                second.reserve(prompt.length);
                assertThat(forward.forward(rest, positions(192, prompt.length), second, new int[] {rest.length - 1}))
                        .containsExactly(fromRam, sameBlocks);
            }
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes());
                 KvPrefix read = KvPrefixFile.load(file, pool, fingerprint, false);
                 KvSequence reuser = pool.newSequence(512, read)) {
                assertThat(pool.stats().mappedBlocks()).isZero();
                reuser.reserve(prompt.length);
                assertThat(forward.forward(rest, positions(192, prompt.length), reuser, new int[] {rest.length - 1}))
                        .as("read into pool memory instead").containsExactly(fromRam, sameBlocks);
            }
        }
    }

    @Test
    void aSecondRequestWithTheSamePrefixReusesItAndGetsTheSameAnswer() {
        SplittableRandom random = new SplittableRandom(2);
        int[] document = randomTokens(random, 300);
        int[] prompt = IntStream.concat(IntStream.of(document), IntStream.of(randomTokens(random, 9))).toArray();
        int[] uncached;
        try (Engine engine = new Engine(32)) {
            uncached = engine.run(prompt, 8).tokens();
        }
        try (Engine engine = new Engine(32)) {
            GenerationResult first = engine.run(document, 1);
            assertThat(first.stats().cachedTokens()).isZero();
            GenerationResult second = engine.run(prompt, 8);
            assertThat(second.stats().cachedTokens()).as("the document's four full blocks").isEqualTo(256);
            assertThat(second.tokens()).containsExactly(uncached);
            // Two at once, sharing the cached blocks.
            CompletableFuture<GenerationResult> a = engine.submit(prompt, 8);
            CompletableFuture<GenerationResult> b = engine.submit(prompt, 8);
            assertThat(a.join().tokens()).containsExactly(uncached);
            assertThat(b.join().tokens()).containsExactly(uncached);
            assertThat(a.join().stats().cachedTokens()).isGreaterThanOrEqualTo(256);
        }
    }

    @Test
    void aConversationsThirdTurnReusesTheFirstTwo() {
        try (Engine engine = new Engine(48)) {
            ChatTokens conversation = new ChatTokens(model.chatTemplate(), model.tokenizer())
                    .system(List.of("Answer from the document.\n\n", "word ".repeat(150)));
            conversation.user("What is the first word?", false);
            GenerationResult first = engine.run(conversation.ids(), 20);
            conversation.answer(first.tokens()).user("And the second?", false);
            int secondLength = conversation.length();
            GenerationResult second = engine.run(conversation.ids(), 20);
            conversation.answer(second.tokens()).user("And the third?", false);
            int[] third = conversation.ids();
            GenerationResult reused = engine.run(third, 5);

            int blockSize = layout.blockSize();
            assertThat(second.stats().cachedTokens()).isPositive();
            assertThat(reused.stats().cachedTokens()).as("all of turns one and two, to their last full block")
                    .isGreaterThanOrEqualTo((secondLength / blockSize) * blockSize);
            try (Engine cold = new Engine(48)) {
                assertThat(reused.tokens()).containsExactly(cold.run(third, 5).tokens());
            }
        }
    }

    @Test
    void aBlockOfTheSameTokensAfterAnotherPrefixIsNotAHit() {
        SplittableRandom random = new SplittableRandom(5);
        int[] first = randomTokens(random, 64);
        int[] shared = randomTokens(random, 64);
        int[] other = randomTokens(random, 64);
        int[] x = IntStream.concat(IntStream.of(first), IntStream.of(shared)).toArray();
        int[] y = IntStream.concat(IntStream.of(other), IntStream.of(shared)).toArray();
        int[] startsWithShared = IntStream.concat(IntStream.of(shared), IntStream.of(first)).toArray();
        try (Engine engine = new Engine(16)) {
            engine.run(x, 1);
            // Same tokens in the second block, but after another first block: other keys, no reuse.
            assertThat(engine.run(y, 1).stats().cachedTokens()).isZero();
            // The same tokens first in a prompt: other positions, so other keys, no reuse either.
            assertThat(engine.run(startsWithShared, 1).stats().cachedTokens()).isZero();
            assertThat(engine.run(x, 1).stats().cachedTokens()).isEqualTo(127);
        }
    }

    @Test
    void aPromptThatIsAllCachedReadsItsLastTokenAgain() {
        int[] document = randomTokens(new SplittableRandom(3), 128);
        try (Engine engine = new Engine(16)) {
            int[] expected = engine.run(document, 4).tokens();
            GenerationResult again = engine.run(document, 4);
            assertThat(again.stats().cachedTokens()).isEqualTo(127);
            assertThat(again.tokens()).containsExactly(expected);
        }
    }

    @Test
    void cachedBlocksAreTakenLeastRecentlyUsedFirstWhenMemoryIsShortAndNeverWhileInUse() {
        SplittableRandom random = new SplittableRandom(4);
        int[] a = randomTokens(random, 128);
        int[] b = randomTokens(random, 128);
        int[] c = randomTokens(random, 128);
        // Six blocks: two prompts of two full blocks each stay cached; a third pushes out the older one.
        try (Engine engine = new Engine(6)) {
            engine.run(a, 1);
            engine.run(b, 1);
            engine.run(b, 1);
            engine.run(c, 1);
            assertThat(engine.run(b, 1).stats().cachedTokens()).as("b, used more recently, is still cached")
                    .isEqualTo(127);
            assertThat(engine.run(a, 1).stats().cachedTokens()).as("a was the least recently used").isZero();
            assertThat(engine.pool.stats().evictedBlocks()).isPositive();
            assertThat(engine.pool.stats().usedBlocks()).isZero();
        }
    }

    /** A scheduler on the reference backend over a pool of {@code blocks}. */
    private static final class Engine implements AutoCloseable {
        final KvBlockPool pool;
        final Scheduler scheduler;

        Engine(int blocks) {
            pool = KvBlockPool.ofBlocks(layout, blocks);
            scheduler = new Scheduler(model, new ReferenceBackend(), pool, SchedulerSettings.defaults(1024)
                    .withPrefillChunks(64, 16));
            scheduler.ready().join();
        }

        CompletableFuture<GenerationResult> submit(int[] prompt, int maxTokens) {
            return scheduler.submit(GenerationRequest.of(prompt, SamplingParameters.greedy().withMaxTokens(maxTokens),
                    Set.of(), GenerationListener.ignoring())).result();
        }

        GenerationResult run(int[] prompt, int maxTokens) {
            return submit(prompt, maxTokens).join();
        }

        @Override
        public void close() {
            scheduler.close();
            assertThat(pool.stats().usedBlocks()).isZero();
            pool.close();
        }
    }

    private static int[] randomTokens(SplittableRandom random, int count) {
        return IntStream.range(0, count).map(i -> random.nextInt(150_000)).toArray();
    }
}
