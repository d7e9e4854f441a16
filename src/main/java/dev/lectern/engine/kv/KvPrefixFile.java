package dev.lectern.engine.kv;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A cached prefix on disk: its whole blocks, with everything needed to trust them. Layout, little-endian:
 *
 * <pre>
 * header (one page, 4096 bytes)
 *   magic "LECTERNKV" + version byte       10 bytes
 *   KV fingerprint (model, layout, format) 32 bytes
 *   layers, width, block size, KV type     4 × int32
 *   token count (whole blocks only)        int32
 *   SHA-256 of the token ids               32 bytes
 *   block bytes                            int64
 *   CRC32C of the token ids                int32
 *   CRC32C of each block                   int32 × blocks (at most 996: 63,744 positions of 64)
 *   CRC32C of the header up to here        int32
 * token ids                                int32 × token count, padded to a page
 * blocks                                   block bytes each, in order
 * </pre>
 *
 * Written to a temporary file in the same directory, forced to disk, then renamed: a crash leaves either the
 * old state or the whole new file, never half of one under the final name (a stray temporary file is
 * deleted at start-up). Reading checks the magic, version, fingerprint, layout, length, the token hash and
 * every CRC, and refuses with the reason; the caller deletes the file and recomputes. A wrong answer
 * from a damaged or foreign file is never an option. A block that is whole pages is mapped, not copied
 * ({@link #load}): its CRC is checked over the mapping before the pool registers it, and since this class
 * never writes an existing file in place (a new one replaces it by rename; the mapping keeps the old
 * inode), what was checked is what the kernels read, unless something outside Lectern writes the file.
 */
public final class KvPrefixFile {

    public static final int VERSION = 1;
    static final byte[] MAGIC = "LECTERNKV".getBytes(StandardCharsets.US_ASCII);
    private static final int PAGE = 4096;
    private static final int FIXED_HEADER = MAGIC.length + 1 + 32 + 16 + 4 + 32 + 8 + 4;
    /** Blocks whose CRCs fit the header page next to the fixed fields. */
    public static final int MAX_BLOCKS = (PAGE - FIXED_HEADER - 4) / 4;

    private KvPrefixFile() {
    }

    /** The header's facts, read without touching the blocks. */
    public record Header(int version, KvFingerprint fingerprint, KvLayout layout, int tokens, byte[] tokenHash,
                         long blockBytes, int tokenCrc, int[] blockCrcs) {

        public int blocks() {
            return blockCrcs.length;
        }

        /** The file's length when whole. */
        public long fileBytes() {
            return PAGE + pageAligned(4L * tokens) + blocks() * blockBytes;
        }
    }

    /** The file is not usable: damaged, truncated, of another model or format. The message says which. */
    public static final class InvalidFileException extends IOException {
        private final String reason;

        public InvalidFileException(Path file, String reason) {
            super(file + ": " + reason);
            this.reason = reason;
        }

        /** What is wrong with the file, without its name. */
        public String reason() {
            return reason;
        }
    }

    /**
     * Writes the whole blocks of {@code prefix} to {@code file} (through a temporary file and a rename).
     *
     * @return the bytes written
     */
    public static long write(Path file, KvPrefix prefix, KvFingerprint fingerprint) throws IOException {
        KvLayout layout = prefix.pool().layout();
        int blocks = Math.min(prefix.length() / layout.blockSize(), MAX_BLOCKS);
        int[] tokens = Arrays.copyOf(prefix.tokens(), blocks * layout.blockSize());
        int[] blockIds = prefix.blocks();
        int[] crcs = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            crcs[b] = crc(prefix.pool().segment(blockIds[b]).asByteBuffer());
        }
        ByteBuffer tokenBytes = tokenBytes(tokens);
        ByteBuffer header = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).put((byte) VERSION).put(fingerprint.bytes());
        header.putInt(layout.layers()).putInt(layout.width()).putInt(layout.blockSize()).putInt(layout.dataType().ordinal());
        header.putInt(tokens.length).put(sha256(tokenBytes.duplicate())).putLong(layout.blockBytes());
        header.putInt(crc(tokenBytes.duplicate()));
        for (int value : crcs) {
            header.putInt(value);
        }
        header.putInt(crc(header.duplicate().flip()));
        header.position(0).limit(PAGE);

        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, header);
            ByteBuffer paddedTokens = ByteBuffer.allocate((int) pageAligned(tokenBytes.remaining()));
            paddedTokens.put(tokenBytes).position(0);
            writeFully(out, paddedTokens);
            for (int b = 0; b < blocks; b++) {
                writeFully(out, prefix.pool().segment(blockIds[b]).asByteBuffer());
            }
            out.force(true);
        } catch (IOException | RuntimeException failure) {
            Files.deleteIfExists(temporary);
            throw failure;
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return Files.size(file);
    }

    /** Reads and checks the header; the blocks are not read. */
    public static Header readHeader(Path file) throws IOException {
        ByteBuffer page = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            if (in.size() < PAGE) {
                throw new InvalidFileException(file, "shorter than its header (" + in.size() + " bytes)");
            }
            readFully(in, page, 0);
            page.flip();
            byte[] magic = new byte[MAGIC.length];
            page.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new InvalidFileException(file, "not a Lectern KV file (wrong magic)");
            }
            int version = page.get();
            if (version != VERSION) {
                throw new InvalidFileException(file, "format version " + version + ", this Lectern reads " + VERSION);
            }
            byte[] fingerprint = new byte[32];
            page.get(fingerprint);
            int layers = page.getInt();
            int width = page.getInt();
            int blockSize = page.getInt();
            int type = page.getInt();
            int tokens = page.getInt();
            if (layers < 1 || width < 1 || blockSize < 1 || type < 0 || type >= KvDataType.values().length
                    || tokens < 0 || tokens % blockSize != 0 || tokens / blockSize > MAX_BLOCKS) {
                throw new InvalidFileException(file, "impossible header values (damaged header)");
            }
            byte[] tokenHash = new byte[32];
            page.get(tokenHash);
            long blockBytes = page.getLong();
            int tokenCrc = page.getInt();
            int[] crcs = new int[tokens / blockSize];
            for (int b = 0; b < crcs.length; b++) {
                crcs[b] = page.getInt();
            }
            int headerEnd = page.position();
            int headerCrc = page.getInt();
            if (crc(page.duplicate().position(0).limit(headerEnd)) != headerCrc) {
                throw new InvalidFileException(file, "header checksum mismatch (damaged header)");
            }
            Header header = new Header(version, new KvFingerprint(fingerprint),
                    new KvLayout(layers, width, blockSize, KvDataType.values()[type]), tokens, tokenHash, blockBytes,
                    tokenCrc, crcs);
            if (in.size() != header.fileBytes()) {
                throw new InvalidFileException(file, "length " + in.size() + " bytes, the header needs "
                        + header.fileBytes() + " (truncated or appended to)");
            }
            return header;
        }
    }

    /**
     * The file's token ids, checked against their hash and checksum, and its header checked against
     * {@code expected}: what a cache needs to index the file at start-up without reading its blocks.
     *
     * @throws InvalidFileException when the file is damaged or of another model, layout or version
     */
    public static int[] readTokens(Path file, KvFingerprint expected) throws IOException {
        Header header = readHeader(file);
        if (!header.fingerprint().equals(expected)) {
            throw new InvalidFileException(file, "written for another model, layout or engine version");
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return checkedTokens(file, in, header);
        }
    }

    private static int[] checkedTokens(Path file, FileChannel in, Header header) throws IOException {
        ByteBuffer tokenBytes = ByteBuffer.allocate(4 * header.tokens()).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, tokenBytes, PAGE);
        tokenBytes.flip();
        if (crc(tokenBytes.duplicate()) != header.tokenCrc()
                || !Arrays.equals(sha256(tokenBytes.duplicate()), header.tokenHash())) {
            throw new InvalidFileException(file, "token ids do not match their checksum (damaged)");
        }
        int[] tokens = new int[header.tokens()];
        tokenBytes.asIntBuffer().get(tokens);
        return tokens;
    }

    /**
     * Loads the file's blocks into {@code pool} as a prefix the caller owns: blocks whose content the pool
     * already holds are shared, the others are mapped read-only from the file where the layout allows
     * ({@link #maps}), else read into new blocks; each is checked against its CRC before it is registered.
     * Stops early (a shorter prefix) when the pool has no free block; returns null if none was loaded.
     *
     * @throws InvalidFileException when the file is not this pool's model and layout, or is damaged
     */
    public static KvPrefix load(Path file, KvBlockPool pool, KvFingerprint expected) throws IOException {
        return load(file, pool, expected, maps(pool.layout()));
    }

    /** As {@link #load(Path, KvBlockPool, KvFingerprint)}, mapping the blocks only if {@code map} (and the layout allows). */
    public static KvPrefix load(Path file, KvBlockPool pool, KvFingerprint expected, boolean map) throws IOException {
        Header header = readHeader(file);
        if (!header.fingerprint().equals(expected)) {
            throw new InvalidFileException(file, "written for another model, layout or engine version (fingerprint "
                    + header.fingerprint().hex().substring(0, 12) + ", this engine's " + expected.hex().substring(0, 12) + ")");
        }
        if (!header.layout().equals(pool.layout()) || header.blockBytes() != pool.layout().blockBytes()) {
            throw new InvalidFileException(file, "block layout " + header.layout() + ", this engine's " + pool.layout());
        }
        boolean mapping = map && maps(pool.layout());
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            int[] tokens = checkedTokens(file, in, header);
            long blocksStart = PAGE + pageAligned(4L * header.tokens());
            return pool.loadBlocks(tokens, new BlockSource() {
                @Override
                public boolean maps() {
                    return mapping;
                }

                @Override
                public void read(int block, MemorySegment target) throws IOException {
                    readFully(in, target.asByteBuffer(), blocksStart + block * header.blockBytes());
                    check(block, target);
                }

                @Override
                public MemorySegment map(int block, Arena arena) throws IOException {
                    MemorySegment mapped = in.map(FileChannel.MapMode.READ_ONLY, blocksStart + block * header.blockBytes(),
                            header.blockBytes(), arena);
                    // Reading the CRC faults every page in from the page cache: the kernels then find it resident.
                    check(block, mapped);
                    return mapped;
                }

                private void check(int block, MemorySegment bytes) throws InvalidFileException {
                    if (crc(bytes.asByteBuffer()) != header.blockCrcs()[block]) {
                        throw new InvalidFileException(file, "block " + block + " does not match its checksum (damaged)");
                    }
                }
            });
        }
    }

    /**
     * Whether blocks of {@code layout} are mapped from their file rather than read: when a block is whole pages,
     * so every block of the file starts on a page (the block area does) and a mapping is page-aligned, as pool
     * memory is. Qwen3's layouts are (7 MiB a block for 0.6B in F16); odd test layouts are read instead.
     */
    public static boolean maps(KvLayout layout) {
        return layout.blockBytes() % PAGE == 0;
    }

    /** Where a prefix's blocks come from: {@code block} is a block's index in the prefix. */
    interface BlockSource {
        /** Whether {@link #map} is used rather than {@link #read}. */
        boolean maps();

        /** Fills pool memory with the block, checked. */
        void read(int block, MemorySegment target) throws IOException;

        /** The block mapped read-only into {@code arena}, checked; the arena's closing unmaps it. */
        MemorySegment map(int block, Arena arena) throws IOException;
    }

    static long pageAligned(long bytes) {
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }

    private static ByteBuffer tokenBytes(int[] tokens) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(tokens);
        return bytes;
    }

    private static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static byte[] sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private static void readFully(FileChannel in, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int read = in.read(into, at);
            if (read < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += read;
        }
    }
}
