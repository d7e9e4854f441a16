package dev.lectern.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class KvBlockPoolTest {

    private static final int LAYERS = 2;
    private static final int WIDTH = 32;
    private static final int BLOCK = 16;
    private static final KvLayout LAYOUT = new KvLayout(LAYERS, WIDTH, BLOCK, KvDataType.F16);

    @Test
    void blocksArePageAlignedAndTheBudgetIsRoundedDownToWholeBlocks() {
        try (KvBlockPool pool = new KvBlockPool(LAYOUT, 3 * LAYOUT.blockBytes() + 100);
             KvSequence sequence = pool.newSequence(1000)) {
            assertThat(pool.capacity()).isEqualTo(3);
            assertThat(sequence.reserve(40)).isTrue();
            for (int b = 0; b < 3; b++) {
                assertThat(sequence.keyBlock(0, b).address() % 4096).as("block %d key slice", b).isZero();
            }
            assertThat(pool.stats().residentBytes()).isEqualTo(3 * LAYOUT.blockBytes());
        }
        assertThatThrownBy(() -> new KvBlockPool(LAYOUT, LAYOUT.blockBytes() - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not hold one block");
    }

    @Test
    void referenceCountsFollowSharingAndEverythingReturnsToZero() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 16)) {
            KvSequence first = pool.newSequence(256);
            Random random = new Random(7);
            fill(first, 0, 40, random);
            assertThat(pool.stats().usedBlocks()).isEqualTo(3);
            assertThat(pool.stats().sharedBlocks()).isZero();

            KvPrefix prefix = first.sharePrefix(tokens(40));
            assertThat(pool.stats().sharedBlocks()).as("first's three blocks, now held by the prefix too").isEqualTo(3);
            KvSequence second = pool.newSequence(256, prefix);
            KvSequence third = pool.newSequence(256, prefix);
            assertThat(second.length()).isEqualTo(40);
            assertThat(pool.stats().usedBlocks()).isEqualTo(3);
            assertThat(second.sharedBlockCount()).isEqualTo(3);

            first.close();
            prefix.close();
            assertThat(pool.stats().usedBlocks()).isEqualTo(3);
            assertThat(pool.stats().sharedBlocks()).as("second and third still share them").isEqualTo(3);
            second.close();
            second.close();
            assertThat(pool.stats().sharedBlocks()).isZero();
            third.truncate(10);
            assertThat(pool.stats().usedBlocks()).as("truncating to 10 positions keeps one block").isEqualTo(1);
            third.close();
            KvPoolStats empty = pool.stats();
            assertThat(empty.usedBlocks()).isZero();
            assertThat(empty.sharedBlocks()).isZero();
            assertThat(empty.freeBlocks()).isEqualTo(16);
        }
    }

    @Test
    void writingPastASharedPartialBlockCopiesItAndLeavesTheOtherSequenceIntact() {
        for (KvDataType type : KvDataType.values()) {
            KvLayout layout = new KvLayout(LAYERS, WIDTH, BLOCK, type);
            try (KvBlockPool pool = KvBlockPool.ofBlocks(layout, 16)) {
                Random random = new Random(11);
                KvSequence owner = pool.newSequence(256);
                fill(owner, 0, 37, random);
                float[][] ownerRows = snapshot(owner, 37);
                KvPrefix prefix = owner.sharePrefix(tokens(37));
                KvSequence reader = pool.newSequence(256, prefix);
                prefix.close();
                int sharedBefore = pool.stats().sharedBlocks();

                assertThat(reader.blocksNeededFor(38)).as("the partial third block is copied").isEqualTo(1);
                fill(reader, 37, 50, random);
                assertThat(pool.stats().sharedBlocks()).as("the copied block is no longer shared")
                        .isEqualTo(sharedBefore - 1);
                assertThat(snapshot(owner, 37)).as(type + ": the owner's rows are untouched").isDeepEqualTo(ownerRows);
                float[][] readerRows = snapshot(reader, 37);
                assertThat(readerRows).as(type + ": the copy holds the shared rows").isDeepEqualTo(ownerRows);

                // The owner's own partial block is shared with nobody now, but the owner copies before the
                // first write after sharing (the reader no longer holds it, so it is private again: no copy).
                assertThat(owner.blocksNeededFor(38)).isZero();
                fill(owner, 37, 40, random);
                assertThat(snapshot(reader, 37)).isDeepEqualTo(ownerRows);
                owner.close();
                reader.close();
                assertThat(pool.stats().usedBlocks()).isZero();
            }
        }
    }

    @Test
    void aSharedBlockIsNeverWrittenWithoutAReservation() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 8)) {
            KvSequence owner = pool.newSequence(256);
            fill(owner, 0, 20, new Random(3));
            KvPrefix prefix = owner.sharePrefix(tokens(20));
            float[] row = new float[WIDTH];
            assertThatThrownBy(() -> owner.write(0, 20, row, 0, row, 0))
                    .as("sharing ends the owner's reservation of the partial block")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not writable");
            assertThatThrownBy(() -> owner.write(0, 5, row, 0, row, 0))
                    .as("committed positions are never rewritten")
                    .isInstanceOf(IllegalStateException.class);
            prefix.close();
            owner.close();
        }
    }

    @Test
    void anExhaustedPoolRefusesAWholeReservationAndTakesNothing() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 4)) {
            KvSequence first = pool.newSequence(1000);
            KvSequence second = pool.newSequence(1000);
            assertThat(first.reserve(3 * BLOCK)).isTrue();
            assertThat(second.reserve(2 * BLOCK)).as("needs 2 blocks, 1 is free").isFalse();
            assertThat(pool.stats().usedBlocks()).as("nothing taken by the refused reservation").isEqualTo(3);
            assertThat(second.reserve(BLOCK)).isTrue();
            assertThat(pool.freeBlocks()).isZero();
            first.close();
            assertThat(second.reserve(4 * BLOCK)).isTrue();
            second.close();
            assertThat(pool.stats().usedBlocks()).isZero();
        }
    }

    @Test
    void theContextLengthBoundsReservations() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 8); KvSequence sequence = pool.newSequence(20)) {
            assertThatThrownBy(() -> sequence.reserve(21)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("outside the KV cache's 20 positions");
        }
    }

    @Test
    void aPrefixOnlyMatchesPromptsThatBeginWithItsTokens() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 8); KvSequence sequence = pool.newSequence(100)) {
            fill(sequence, 0, 3, new Random(1));
            try (KvPrefix prefix = sequence.sharePrefix(new int[] {5, 6, 7})) {
                assertThat(prefix.isPrefixOf(new int[] {5, 6, 7, 8})).isTrue();
                assertThat(prefix.isPrefixOf(new int[] {5, 6, 7})).isTrue();
                assertThat(prefix.isPrefixOf(new int[] {5, 6, 9, 8})).isFalse();
                assertThat(prefix.isPrefixOf(new int[] {5, 6})).isFalse();
            }
        }
    }

    @Test
    void prefixesThatShareBlocksHoldTheirBytesOnceTogether() {
        try (KvBlockPool pool = KvBlockPool.ofBlocks(LAYOUT, 16)) {
            KvSequence first = pool.newSequence(256);
            fill(first, 0, 40, new Random(3));
            KvPrefix whole = first.sharePrefix(tokens(40));
            KvSequence second;
            try (KvPrefix firstBlock = whole.first(BLOCK)) {
                second = pool.newSequence(256, firstBlock);
            }
            fill(second, BLOCK, 2 * BLOCK + 5, new Random(4));
            KvPrefix branch = second.sharePrefix(java.util.Arrays.copyOf(tokens(BLOCK), 2 * BLOCK + 5));
            assertThat(whole.bytes() + branch.bytes()).isEqualTo(6 * LAYOUT.blockBytes());
            assertThat(KvPrefix.bytesTogether(java.util.List.of(whole, branch)))
                    .as("3 blocks + 3 blocks, the first of them shared").isEqualTo(5 * LAYOUT.blockBytes())
                    .isEqualTo(pool.stats().usedBytes());
            assertThat(KvPrefix.bytesTogether(java.util.List.of())).isZero();
            first.close();
            second.close();
            whole.close();
            branch.close();
            assertThat(pool.stats().usedBlocks()).isZero();
        }
    }

    private static void fill(KvSequence sequence, int from, int to, Random random) {
        RandomKv.fill(sequence, from, to, LAYERS, WIDTH, random);
    }

    private static float[][] snapshot(KvSequence sequence, int positions) {
        float[][] rows = new float[positions * LAYERS * 2][WIDTH];
        for (int p = 0; p < positions; p++) {
            for (int l = 0; l < LAYERS; l++) {
                sequence.readKey(l, p, rows[(p * LAYERS + l) * 2], 0);
                sequence.readValue(l, p, rows[(p * LAYERS + l) * 2 + 1], 0);
            }
        }
        return rows;
    }

    private static int[] tokens(int count) {
        return IntStream.range(0, count).map(i -> 1000 + i).toArray();
    }
}
