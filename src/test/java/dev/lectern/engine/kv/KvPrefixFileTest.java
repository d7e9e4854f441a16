package dev.lectern.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prefix on disk comes back as it was, and a file that is not exactly that is refused with the reason. */
class KvPrefixFileTest {

    private static final int LAYERS = 2;
    private static final int WIDTH = 64;
    private static final int BLOCK = 16;

    @TempDir
    Path dir;

    @Test
    void aWrittenPrefixLoadsBackIntoAnotherPoolWithTheSameKeysAndValuesAndIsFoundByLookups() throws IOException {
        for (KvDataType type : KvDataType.values()) {
            KvLayout layout = new KvLayout(LAYERS, WIDTH, BLOCK, type);
            KvFingerprint fingerprint = KvFingerprint.of(new byte[] {1, 2, 3}, layout);
            int[] tokens = IntStream.range(0, 70).map(i -> 500 + 3 * i).toArray();
            Path file = dir.resolve(type + ".kv");
            float[][] written;
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes());
                 KvSequence sequence = filled(pool, tokens, 70, new Random(9));
                 KvPrefix prefix = sequence.sharePrefix(tokens)) {
                written = rows(sequence, 64);
                long bytes = KvPrefixFile.write(file, prefix, fingerprint);
                assertThat(bytes).as("whole blocks only: 4 of them").isEqualTo(KvPrefixFile.readHeader(file).fileBytes());
                assertThat(KvPrefixFile.readHeader(file).tokens()).isEqualTo(64);
            }
            assertThat(Files.list(dir).map(Path::toString)).noneMatch(name -> name.endsWith(".tmp"));
            try (KvBlockPool pool = new KvBlockPool(layout, 16 * layout.blockBytes(), fingerprint.bytes())) {
                try (KvPrefix loaded = KvPrefixFile.load(file, pool, fingerprint)) {
                    assertThat(loaded.length()).isEqualTo(64);
                    // F16 blocks here are two pages and are mapped; Q8_0's 4,352 bytes are not whole pages: read.
                    assertThat(pool.stats().mappedBlocks()).as(type.name()).isEqualTo(KvPrefixFile.maps(layout) ? 4 : 0);
                    assertThat(pool.stats().residentBlocks()).as(type.name()).isEqualTo(KvPrefixFile.maps(layout) ? 0 : 4);
                    try (KvSequence sequence = pool.newSequence(200, loaded)) {
                        assertThat(rows(sequence, 64)).as(type.name()).isDeepEqualTo(written);
                    }
                }
                try (KvPrefix found = pool.lookup(tokens)) {
                    assertThat(found).as("loaded blocks stay cached and are found by the next lookup").isNotNull();
                    assertThat(found.length()).isEqualTo(64);
                }
                try (KvPrefix again = KvPrefixFile.load(file, pool, fingerprint)) {
                    assertThat(pool.stats().indexedBlocks()).as("cached blocks are shared, not read twice").isEqualTo(4);
                    assertThat(again.length()).isEqualTo(64);
                }
            }
        }
    }

    @Test
    void aDamagedForeignOrUnfinishedFileIsRefusedWithItsReason() throws IOException {
        KvLayout layout = new KvLayout(LAYERS, WIDTH, BLOCK, KvDataType.F16);
        KvFingerprint fingerprint = KvFingerprint.of(new byte[] {7}, layout);
        int[] tokens = IntStream.range(0, 48).toArray();
        Path good = dir.resolve("good.kv");
        try (KvBlockPool pool = new KvBlockPool(layout, 8 * layout.blockBytes(), fingerprint.bytes());
             KvSequence sequence = filled(pool, tokens, 48, new Random(1));
             KvPrefix prefix = sequence.sharePrefix(tokens)) {
            KvPrefixFile.write(good, prefix, fingerprint);
        }
        long size = Files.size(good);

        assertRefused(copy(good, "truncated.kv", file -> truncate(file, size - 100)), fingerprint, "truncated");
        assertRefused(copy(good, "flipped-block.kv", file -> flip(file, size - 5)), fingerprint,
                "block 2 does not match its checksum");
        assertRefused(copy(good, "flipped-token.kv", file -> flip(file, 4096 + 10)), fingerprint, "token ids");
        assertRefused(copy(good, "flipped-header.kv", file -> flip(file, 60)), fingerprint, "header");
        assertRefused(copy(good, "old-version.kv", file -> poke(file, 9, (byte) 0)), fingerprint, "format version 0");
        assertRefused(good, KvFingerprint.of(new byte[] {8}, layout), "another model");
        assertRefused(copy(good, "not-kv.kv", file -> poke(file, 0, (byte) 'X')), fingerprint, "wrong magic");
    }

    @Test
    void aMappedBlockIsNeverWrittenAndItsSlotBecomesWritableMemoryWhenItsContentIsDropped() throws IOException {
        KvLayout layout = new KvLayout(LAYERS, WIDTH, BLOCK, KvDataType.F16);
        assertThat(KvPrefixFile.maps(layout)).isTrue();
        KvFingerprint fingerprint = KvFingerprint.of(new byte[] {5}, layout);
        int[] tokens = IntStream.range(0, 64).map(i -> 9000 + i).toArray();
        Path file = dir.resolve("recycled.kv");
        try (KvBlockPool pool = new KvBlockPool(layout, 8 * layout.blockBytes(), fingerprint.bytes());
             KvSequence sequence = filled(pool, tokens, 64, new Random(4));
             KvPrefix prefix = sequence.sharePrefix(tokens)) {
            KvPrefixFile.write(file, prefix, fingerprint);
        }
        try (KvBlockPool pool = new KvBlockPool(layout, 6 * layout.blockBytes(), fingerprint.bytes())) {
            try (KvSequence scratch = pool.newSequence(200)) {
                RandomKv.fill(scratch, 0, 32, LAYERS, WIDTH, new Random(2));
            }
            float[][] fromFile;
            try (KvPrefix loaded = KvPrefixFile.load(file, pool, fingerprint);
                 KvSequence reader = pool.newSequence(200, loaded)) {
                assertThat(pool.stats().mappedBlocks()).isEqualTo(4);
                assertThat(pool.stats().residentBlocks()).as("the scratch sequence's two blocks, free").isEqualTo(2);
                fromFile = rows(reader, 64);
                assertThatThrownBy(() -> reader.write(0, 10, new float[WIDTH], 0, new float[WIDTH], 0))
                        .as("committed positions of a shared block are never written").isInstanceOf(IllegalStateException.class);
            }
            // All six blocks for one sequence: the two free ones, then the four mapped ones, unmapped and given
            // memory of their own. Writing them must not touch the file's pages.
            try (KvSequence writer = pool.newSequence(200)) {
                Random random = new Random(3);
                RandomKv.fill(writer, 0, 96, LAYERS, WIDTH, random);
                assertThat(pool.stats().mappedBlocks()).isZero();
                assertThat(pool.stats().residentBlocks()).isEqualTo(6);
                assertThat(pool.stats().evictedBlocks()).isEqualTo(4);
            }
            try (KvPrefix again = KvPrefixFile.load(file, pool, fingerprint);
                 KvSequence reader = pool.newSequence(200, again)) {
                assertThat(rows(reader, 64)).as("the file is intact after its blocks' slots were written")
                        .isDeepEqualTo(fromFile);
                assertThat(pool.stats().mappedBlocks() + pool.stats().residentBlocks())
                        .as("mapping gives back free memory: owned and mapped blocks stay within the budget")
                        .isLessThanOrEqualTo(pool.capacity());
                assertThat(pool.stats().mappedBlocks()).isEqualTo(4);
            }
        }
    }

    private void assertRefused(Path file, KvFingerprint fingerprint, String reason) {
        KvLayout layout = new KvLayout(LAYERS, WIDTH, BLOCK, KvDataType.F16);
        try (KvBlockPool pool = new KvBlockPool(layout, 8 * layout.blockBytes(), fingerprint.bytes())) {
            assertThatThrownBy(() -> KvPrefixFile.load(file, pool, fingerprint))
                    .isInstanceOf(KvPrefixFile.InvalidFileException.class)
                    .hasMessageContaining(file.getFileName().toString()).hasMessageContaining(reason);
            assertThat(pool.stats().usedBlocks()).as("nothing held after a refused load").isZero();
            assertThat(pool.stats().mappedBlocks()).as("the damaged block's mapping is dropped; checked ones stay cached")
                    .isEqualTo(pool.stats().indexedBlocks());
            // Blocks before a damaged one passed their checks and may stay cached; the damaged one never is.
            try (KvPrefix found = pool.lookup(IntStream.range(0, 48).toArray())) {
                assertThat(found == null ? 0 : found.length()).as("cached positions of the refused file")
                        .isLessThan(48);
            }
        }
    }

    private interface Damage {
        void apply(Path file) throws IOException;
    }

    private Path copy(Path good, String name, Damage damage) throws IOException {
        Path copy = Files.copy(good, dir.resolve(name));
        damage.apply(copy);
        return copy;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    private static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            int value = raf.read();
            raf.seek(at);
            raf.write(value ^ 0x10);
        }
    }

    private static void poke(Path file, long at, byte value) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            raf.write(value);
        }
    }

    private static KvSequence filled(KvBlockPool pool, int[] tokens, int positions, Random random) {
        KvSequence sequence = pool.newSequence(200);
        RandomKv.fill(sequence, 0, positions, LAYERS, WIDTH, random);
        sequence.registerFullBlocks(tokens);
        return sequence;
    }

    private static float[][] rows(KvSequence sequence, int positions) {
        float[][] rows = new float[positions * LAYERS * 2][WIDTH];
        for (int p = 0; p < positions; p++) {
            for (int l = 0; l < LAYERS; l++) {
                sequence.readKey(l, p, rows[(p * LAYERS + l) * 2], 0);
                sequence.readValue(l, p, rows[(p * LAYERS + l) * 2 + 1], 0);
            }
        }
        return rows;
    }
}
