package dev.lectern.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationRequest;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.generation.Priority;
import dev.lectern.engine.generation.RequestHandle;
import dev.lectern.engine.kv.BlockHash;
import dev.lectern.engine.kv.KvBlockPool;
import dev.lectern.engine.kv.KvFingerprint;
import dev.lectern.engine.kv.KvPrefix;
import dev.lectern.engine.kv.KvPrefixFile;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.engine.sched.Scheduler;

/**
 * The named entries of the prefix cache, over the engine's block pool (the RAM tier, where every block is
 * shared automatically) and a directory of files (the disk tier). An entry is the encoded prefix of a prompt
 * that starts conversations, a document's system turn: encoded once in the background, pinned, written to
 * disk, and found again for every question, user and restart.
 *
 * <ul>
 *   <li>{@link #encode}: one background request keeps the prefix's KV; its whole blocks are pinned in RAM and
 *       written to {@code <key>.kv} (by one writer thread, through a temporary file and a rename).</li>
 *   <li>{@link #warm}: before a request runs, the prompt is matched against the entries; an entry whose blocks
 *       have left RAM is read back from its file (checked block by block), so the request starts from it.</li>
 *   <li>RAM: pinned entries stay resident up to half the pool's budget (the least recently used pins beyond
 *       that are released: they stay on disk and come back on demand); everything else is the pool's LRU.</li>
 *   <li>Disk: within {@code diskBudget}; the least recently used unpinned files go first.</li>
 *   <li>{@link #open}: at start-up the entries come back from PostgreSQL and the files; a file whose header,
 *       length, checksums or fingerprint do not match is deleted with a log line naming it and the reason,
 *       and its prefix is encoded again when next needed. Never a wrong answer.</li>
 * </ul>
 */
final class PrefixStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PrefixStore.class);
    static final double PINNED_RAM_SHARE = PrefixCacheStatus.PINNED_RAM_SHARE;
    /** What the store remembers of an entry; guarded by the store. */
    private static final class Entry {
        final String key;
        final String label;
        final int tokens;
        int[] wholeBlockTokens;
        BlockHash lastBlock;
        KvPrefix pin;
        boolean pinned = true;
        boolean onDisk;
        long diskBytes;
        long hits;
        long tokensSaved;
        Instant lastHit;
        Long encodeMillis;
        final Instant createdAt;
        CompletableFuture<PrefixInfo> encoding;
        RequestHandle encodingRequest;

        Entry(String key, String label, int tokens, Instant createdAt) {
            this.key = key;
            this.label = label;
            this.tokens = tokens;
            this.createdAt = createdAt;
        }

        Instant lastUse() {
            return lastHit != null ? lastHit : createdAt;
        }
    }

    private final KvBlockPool pool;
    private final KvFingerprint fingerprint;
    private final PrefixFiles files;
    private final long diskBudget;
    private final CacheEntryRepository repository;
    private final Scheduler scheduler;
    private final Set<Integer> stopTokens;
    /** Hears the key of an entry found damaged when read back, and forgotten: its owners encode it again. */
    private final Consumer<String> lost;
    private final RequestMetrics metrics;
    private final ExecutorService writer;
    private final Map<String, Entry> entries = new HashMap<>();
    /** Each ready entry by the hash of its last whole block: how a prompt finds the entry it starts with. */
    private final Map<BlockHash, Entry> byLastBlock = new HashMap<>();
    private long diskHitTokens;
    private long diskLoads;

    PrefixStore(KvBlockPool pool, KvFingerprint fingerprint, Path directory, long diskBudget,
                CacheEntryRepository repository, Scheduler scheduler, Set<Integer> stopTokens, Consumer<String> lost,
                RequestMetrics metrics) {
        this.pool = pool;
        this.fingerprint = fingerprint;
        this.files = new PrefixFiles(directory);
        this.diskBudget = diskBudget;
        this.repository = repository;
        this.scheduler = scheduler;
        this.stopTokens = Set.copyOf(stopTokens);
        this.lost = lost;
        this.metrics = metrics;
        this.writer = Executors.newSingleThreadExecutor(runnable -> Thread.ofPlatform().name("lectern-kv-writer")
                .daemon().unstarted(runnable));
    }

    /** The key of a prefix: the SHA-256 of this engine's KV fingerprint and the token ids, in hex. */
    String keyOf(int[] tokens) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(fingerprint.bytes());
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * tokens.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asIntBuffer().put(tokens);
            digest.update(bytes);
            return HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Rebuilds the entries from PostgreSQL and the files: temporary files of writes a crash interrupted are
     * deleted, files are checked (header, length, token checksums, fingerprint) and deleted with the reason
     * when they do not match, rows without a usable file and files without a row are dropped.
     */
    synchronized void open() throws IOException {
        files.prepare();
        for (CacheEntryRepository.Row row : repository.findAll()) {
            Path file = files.fileOf(row.key());
            if (!row.fingerprint().equals(fingerprint.hex())) {
                PrefixFiles.drop(file, "written for another model, layout or engine version");
                repository.delete(row.key());
                continue;
            }
            if (!Files.exists(file)) {
                log.info("Prefix cache entry {} ({}) has no file; it is encoded again when next needed", row.key(),
                        row.label());
                repository.delete(row.key());
                continue;
            }
            int[] tokens;
            try {
                tokens = KvPrefixFile.readTokens(file, fingerprint);
            } catch (KvPrefixFile.InvalidFileException invalid) {
                PrefixFiles.drop(file, invalid.reason());
                repository.delete(row.key());
                continue;
            }
            Entry entry = new Entry(row.key(), row.label(), row.tokens(), row.createdAt());
            entry.pinned = row.pinned();
            entry.hits = row.hits();
            entry.tokensSaved = row.tokensSaved();
            entry.lastHit = row.lastHitAt();
            entry.encodeMillis = row.encodeMillis();
            entry.onDisk = true;
            entry.diskBytes = Files.size(file);
            index(entry, tokens);
        }
        files.dropAllBut(entries.keySet());
        if (!entries.isEmpty()) {
            log.info("Prefix cache: {} entries on disk ({}), read back into RAM when asked for", entries.size(),
                    KvBudget.human(entries.values().stream().mapToLong(e -> e.diskBytes).sum()));
        }
    }

    /**
     * Encodes {@code tokens} once, in the background, and keeps them: the future completes when the prefix is
     * pinned in RAM (its file follows on the writer thread). An entry that exists already completes at once,
     * one being encoded is shared. {@code progress} hears the encoding's progress.
     */
    CompletableFuture<PrefixInfo> encode(int[] tokens, String label, GenerationListener progress) {
        String key = keyOf(tokens);
        Entry entry;
        synchronized (this) {
            entry = entries.get(key);
            if (entry != null) {
                return entry.encoding != null ? entry.encoding : CompletableFuture.completedFuture(info(entry));
            }
            entry = new Entry(key, label, tokens.length, Instant.now());
            entry.encoding = new CompletableFuture<>();
            entries.put(key, entry);
        }
        // Kept here: a short prefix can be encoded (and entry.encoding cleared) before submit returns.
        CompletableFuture<PrefixInfo> done = entry.encoding;
        Entry encoding = entry;
        long started = System.nanoTime();
        KvPrefix head = warm(tokens);
        GenerationRequest request = new GenerationRequest(tokens, SamplingParameters.greedy().withMaxTokens(1), stopTokens,
                Priority.BACKGROUND, head, true, progress, new Cancellation());
        RequestHandle handle;
        try {
            handle = scheduler.submit(request);
        } catch (GenerationFailure refused) {
            closeQuietly(head);
            abandon(encoding, refused);
            return done;
        }
        synchronized (this) {
            if (encoding.encoding != null) {
                encoding.encodingRequest = handle;
            }
        }
        handle.result().whenComplete((result, failure) -> {
            closeQuietly(head);
            if (failure != null) {
                abandon(encoding, failure);
            } else {
                finishEncoding(encoding, tokens, result, System.nanoTime() - started);
            }
        });
        return done;
    }

    private void finishEncoding(Entry entry, int[] tokens, GenerationResult result, long nanos) {
        long millis = nanos / 1_000_000;
        KvPrefix kept = result.kept();
        if (kept == null) {
            abandon(entry, new IllegalStateException("the encoding was cancelled"));
            return;
        }
        int whole = Math.min(kept.length(), tokens.length) / pool.layout().blockSize() * pool.layout().blockSize();
        KvPrefix blocks = kept.first(Math.min(whole, KvPrefixFile.MAX_BLOCKS * pool.layout().blockSize()));
        kept.close();
        PrefixInfo info;
        synchronized (this) {
            if (entries.get(entry.key) != entry) {
                blocks.close();
                entry.encoding.completeExceptionally(new IllegalStateException("the entry was deleted while encoded"));
                return;
            }
            entry.encodeMillis = millis;
            entry.encodingRequest = null;
            index(entry, blocks.tokens());
            pin(entry, blocks);
            info = info(entry);
            CompletableFuture<PrefixInfo> done = entry.encoding;
            entry.encoding = null;
            done.complete(info);
        }
        metrics.prefixEncoded(entry.tokens, nanos);
        log.info("Encoded {} ({} tokens, {} kept in {} blocks) in {} ms", entry.label, entry.tokens, whole,
                whole / pool.layout().blockSize(), millis);
        persist(entry);
    }

    private void abandon(Entry entry, Throwable failure) {
        CompletableFuture<PrefixInfo> done;
        synchronized (this) {
            if (entries.get(entry.key) == entry) {
                entries.remove(entry.key);
            }
            done = entry.encoding;
            entry.encoding = null;
        }
        log.warn("Could not encode {}: {}", entry.label, failure.getMessage());
        if (done != null) {
            done.completeExceptionally(failure);
        }
    }

    /**
     * The cached prefix {@code prompt} can start from, owned by the caller (who closes it once the request
     * has started): the pool's own blocks, plus those of an entry the prompt starts with read back from disk
     * when they have left RAM. Null when nothing is cached. Counts a hit on the entry.
     */
    KvPrefix warm(int[] prompt) {
        Entry entry = entryFor(prompt);
        KvPrefix ram = pool.find(prompt);
        if (entry != null && ram != null && ram.length() >= entry.wholeBlockTokens.length) {
            repin(entry);
            return ram;
        }
        if (entry == null || !entry.onDisk) {
            return ram;
        }
        closeQuietly(ram);
        Path file = files.fileOf(entry.key);
        try {
            long started = System.nanoTime();
            KvPrefix loaded = KvPrefixFile.load(file, pool, fingerprint);
            if (loaded == null) {
                return pool.find(prompt);
            }
            log.info("{} {} ({} tokens) back from {} in {} ms", KvPrefixFile.maps(pool.layout()) ? "Mapped" : "Read",
                    entry.label, loaded.length(), file.getFileName(), (System.nanoTime() - started) / 1_000_000);
            synchronized (this) {
                diskHitTokens += loaded.length();
                diskLoads++;
                if (entry.pinned && entry.pin == null && entries.get(entry.key) == entry) {
                    pin(entry, loaded.first(loaded.length()));
                }
            }
            // The lookup now also finds what follows the entry in RAM (a conversation's earlier turns).
            KvPrefix all = pool.find(prompt);
            loaded.close();
            return all;
        } catch (KvPrefixFile.InvalidFileException invalid) {
            // The entry is forgotten and its owners told, so it is encoded again; this prompt computes it.
            PrefixFiles.drop(file, invalid.reason());
            forget(entry);
            lost.accept(entry.key);
            return pool.find(prompt);
        } catch (IOException unreadable) {
            log.warn("Could not read {}: {}; the prefix is computed instead", file, unreadable.getMessage());
            return pool.find(prompt);
        }
    }

    /**
     * A pinned entry whose pin was released (evicted by an admin, or beyond the pinned share) and whose blocks
     * a prompt found still cached in RAM is pinned again, as a read back from disk would be.
     */
    private synchronized void repin(Entry entry) {
        if (!entry.pinned || entry.pin != null || entries.get(entry.key) != entry) {
            return;
        }
        KvPrefix resident = pool.find(entry.wholeBlockTokens);
        if (resident != null && resident.length() == entry.wholeBlockTokens.length) {
            pin(entry, resident);
        } else {
            closeQuietly(resident);
        }
    }

    /** The longest entry {@code prompt} starts with (whole blocks), counting the hit; null if none. */
    private synchronized Entry entryFor(int[] prompt) {
        int blockSize = pool.layout().blockSize();
        BlockHash hash = pool.seed();
        Entry found = null;
        for (int block = 0; block < prompt.length / blockSize; block++) {
            hash = hash.next(prompt, block * blockSize, blockSize);
            Entry entry = byLastBlock.get(hash);
            if (entry != null) {
                found = entry;
            }
        }
        if (found != null) {
            found.hits++;
            found.tokensSaved += found.wholeBlockTokens.length;
            found.lastHit = Instant.now();
            Entry hit = found;
            writer.execute(() -> repository.upsert(row(hit)));
        }
        return found;
    }

    private void index(Entry entry, int[] wholeBlockTokens) {
        entry.wholeBlockTokens = wholeBlockTokens;
        entries.put(entry.key, entry);
        int blockSize = pool.layout().blockSize();
        if (wholeBlockTokens.length >= blockSize) {
            BlockHash hash = pool.seed();
            for (int block = 0; block < wholeBlockTokens.length / blockSize; block++) {
                hash = hash.next(wholeBlockTokens, block * blockSize, blockSize);
            }
            entry.lastBlock = hash;
            byLastBlock.put(hash, entry);
        }
    }

    /** Holds {@code blocks} for a pinned entry, releasing the least recently used pins beyond the RAM share. */
    private void pin(Entry entry, KvPrefix blocks) {
        if (!entry.pinned) {
            blocks.close();
            return;
        }
        if (entry.pin != null) {
            entry.pin.close();
        }
        entry.pin = blocks;
        long limit = (long) (pool.stats().capacityBytes() * PINNED_RAM_SHARE);
        List<Entry> pinned = new ArrayList<>(entries.values().stream().filter(e -> e.pin != null && e != entry).toList());
        pinned.sort(Comparator.comparing(Entry::lastUse));
        long held = blocks.bytes() + pinned.stream().mapToLong(e -> e.pin.bytes()).sum();
        for (Entry old : pinned) {
            if (held <= limit) {
                break;
            }
            held -= old.pin.bytes();
            old.pin.close();
            old.pin = null;
            log.info("Released {} from RAM (pinned prefixes may hold {} of the KV budget); it stays on disk", old.label,
                    KvBudget.human(limit));
        }
    }

    /** Writes the entry's file on the writer thread, then its row, then keeps the disk within budget. */
    private void persist(Entry entry) {
        writer.execute(() -> {
            KvPrefix blocks;
            synchronized (this) {
                if (entries.get(entry.key) != entry) {
                    return;
                }
                blocks = entry.pin != null ? entry.pin.first(entry.pin.length()) : pool.find(entry.wholeBlockTokens);
            }
            if (blocks == null || blocks.length() < entry.wholeBlockTokens.length) {
                closeQuietly(blocks);
                log.warn("{} left RAM before it was written to disk; it is encoded again when next needed", entry.label);
                repository.upsert(row(entry));
                return;
            }
            try (blocks) {
                long bytes = KvPrefixFile.write(files.fileOf(entry.key), blocks, fingerprint);
                synchronized (this) {
                    entry.onDisk = true;
                    entry.diskBytes = bytes;
                }
                repository.upsert(row(entry));
                log.info("Wrote {} to {} ({})", entry.label, files.fileOf(entry.key).getFileName(), KvBudget.human(bytes));
                enforceDiskBudget();
            } catch (IOException | UncheckedIOException failure) {
                log.warn("Could not write {} to disk: {}; it stays in RAM only", entry.label, failure.getMessage());
                repository.upsert(row(entry));
            }
        });
    }

    private void enforceDiskBudget() {
        List<Entry> victims = new ArrayList<>();
        synchronized (this) {
            long total = entries.values().stream().filter(e -> e.onDisk).mapToLong(e -> e.diskBytes).sum();
            List<Entry> candidates = new ArrayList<>(entries.values().stream().filter(e -> e.onDisk && !e.pinned).toList());
            candidates.sort(Comparator.comparing(Entry::lastUse));
            for (Entry candidate : candidates) {
                if (total <= diskBudget) {
                    break;
                }
                total -= candidate.diskBytes;
                candidate.onDisk = false;
                candidate.diskBytes = 0;
                victims.add(candidate);
            }
            if (total > diskBudget) {
                log.warn("The prefix cache holds {} on disk, over lectern.cache.disk-bytes ({}), all of it pinned",
                        KvBudget.human(total), KvBudget.human(diskBudget));
            }
        }
        for (Entry victim : victims) {
            files.drop(victim.key, "least recently used, over the disk budget");
            repository.upsert(row(victim));
        }
    }

    synchronized Optional<PrefixInfo> info(String key) {
        return Optional.ofNullable(entries.get(key)).map(this::info);
    }

    synchronized List<PrefixInfo> list() {
        return entries.values().stream().sorted(Comparator.comparing((Entry e) -> e.createdAt)).map(this::info).toList();
    }

    /** Pins or unpins an entry: a pinned entry keeps its file and, within the RAM share, its blocks in RAM. */
    synchronized Optional<PrefixInfo> setPinned(String key, boolean pinned) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.encoding != null) {
            return Optional.of(info(entry));
        }
        entry.pinned = pinned;
        if (!pinned && entry.pin != null) {
            entry.pin.close();
            entry.pin = null;
        } else if (pinned && entry.pin == null) {
            KvPrefix resident = pool.find(entry.wholeBlockTokens);
            if (resident != null && resident.length() == entry.wholeBlockTokens.length) {
                pin(entry, resident);
            } else {
                closeQuietly(resident);
            }
        }
        writer.execute(() -> repository.upsert(row(entry)));
        return Optional.of(info(entry));
    }

    /** Lets the entry's blocks leave RAM (they stay on disk and come back when asked for). */
    synchronized Optional<PrefixInfo> evictFromRam(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.pin != null) {
            entry.pin.close();
            entry.pin = null;
        }
        return Optional.of(info(entry));
    }

    /** Forgets the entry: cancels its encoding, releases its blocks, deletes its file and row. */
    void delete(String key) {
        Entry entry;
        synchronized (this) {
            entry = entries.get(key);
        }
        if (entry != null) {
            forget(entry);
        }
    }

    private void forget(Entry entry) {
        String key = entry.key;
        synchronized (this) {
            if (entries.get(key) != entry) {
                return;
            }
            entries.remove(key);
            if (entry.lastBlock != null) {
                byLastBlock.remove(entry.lastBlock, entry);
            }
            if (entry.pin != null) {
                entry.pin.close();
                entry.pin = null;
            }
            if (entry.encodingRequest != null) {
                entry.encodingRequest.cancel();
            }
        }
        writer.execute(() -> {
            files.delete(key);
            repository.delete(key);
        });
    }

    /** Totals for the status page: entries, pinned RAM, disk bytes, and hits from disk. */
    synchronized Totals totals() {
        long pinnedRam = KvPrefix.bytesTogether(entries.values().stream().filter(e -> e.pin != null).map(e -> e.pin).toList());
        long disk = entries.values().stream().filter(e -> e.onDisk).mapToLong(e -> e.diskBytes).sum();
        return new Totals(entries.size(), pinnedRam, disk, diskBudget, diskLoads, diskHitTokens);
    }

    /** The cache's totals: entries, RAM held by pins, disk used and allowed, reads back from disk. */
    record Totals(int entries, long pinnedRamBytes, long diskBytes, long diskBudgetBytes, long diskLoads,
                  long diskHitTokens) {
    }

    private PrefixInfo info(Entry entry) {
        int wholeTokens = entry.wholeBlockTokens == null ? 0 : entry.wholeBlockTokens.length;
        long ram = entry.pin != null ? entry.pin.bytes() : 0;
        String tier = entry.encoding != null ? "none" : ram > 0 && entry.onDisk ? "both" : ram > 0 ? "ram"
                : entry.onDisk ? "disk" : "none";
        return new PrefixInfo(entry.key, entry.label, entry.tokens, wholeTokens, ram, entry.diskBytes, tier, entry.pinned,
                entry.hits, entry.tokensSaved, entry.lastHit, entry.encodeMillis, entry.createdAt);
    }

    private CacheEntryRepository.Row row(Entry entry) {
        synchronized (this) {
            return new CacheEntryRepository.Row(entry.key, fingerprint.hex(), entry.label, entry.tokens,
                    entry.wholeBlockTokens == null ? 0 : entry.wholeBlockTokens.length,
                    entry.onDisk ? entry.diskBytes : null, entry.pinned, entry.hits, entry.tokensSaved, entry.lastHit,
                    entry.encodeMillis, entry.createdAt);
        }
    }

    private static void closeQuietly(KvPrefix prefix) {
        if (prefix != null) {
            prefix.close();
        }
    }

    /** Waits for pending writes, then releases every pin; the pool is closed by its owner after. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("Prefix-cache writes still running at shut-down; a half-written file is deleted at the next start");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (Entry entry : entries.values()) {
                if (entry.pin != null) {
                    entry.pin.close();
                    entry.pin = null;
                }
            }
        }
    }
}
