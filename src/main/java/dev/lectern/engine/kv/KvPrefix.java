package dev.lectern.engine.kv;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;

/**
 * The encoded keys and values of a token sequence, held by reference in a {@link KvBlockPool}: what a
 * finished request can keep (a document's prefix, an earlier turn) and a new sequence can start from
 * ({@link KvBlockPool#newSequence(int, KvPrefix)}) without recomputing it. The token ids travel with the
 * blocks, so a sequence can only start from a prefix its prompt really begins with. Holds one reference
 * to each block until closed.
 */
public final class KvPrefix implements AutoCloseable {

    private final KvBlockPool pool;
    private final int[] blocks;
    private final int[] tokens;
    private boolean closed;

    /** Takes over one reference to each of {@code blocks}, which hold the KV of {@code tokens}. */
    KvPrefix(KvBlockPool pool, int[] blocks, int[] tokens) {
        if (blocks.length != pool.layout().blocksFor(tokens.length)) {
            throw new IllegalArgumentException(tokens.length + " positions need " + pool.layout().blocksFor(tokens.length)
                    + " blocks, not " + blocks.length);
        }
        this.pool = pool;
        this.blocks = blocks.clone();
        this.tokens = tokens.clone();
    }

    public KvBlockPool pool() {
        return pool;
    }

    /** Positions held. */
    public int length() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens.clone();
    }

    /** Whether {@code prompt} begins with this prefix's tokens (and is not shorter). */
    public boolean isPrefixOf(int[] prompt) {
        return prompt.length >= tokens.length && Arrays.equals(tokens, 0, tokens.length, prompt, 0, tokens.length);
    }

    /** The first {@code positions} of this prefix as a prefix of its own (its blocks gain a reference each). */
    public KvPrefix first(int positions) {
        if (positions < 0 || positions > tokens.length) {
            throw new IllegalArgumentException("cannot take " + positions + " positions of a " + tokens.length
                    + "-position prefix");
        }
        int[] held = Arrays.copyOf(blocks, pool.layout().blocksFor(positions));
        pool.retainAll(held);
        return new KvPrefix(pool, held, Arrays.copyOf(tokens, positions));
    }

    int[] blocks() {
        return blocks.clone();
    }

    /** Bytes of KV this prefix's blocks take. */
    public long bytes() {
        return blocks.length * pool.layout().blockBytes();
    }

    /**
     * Bytes of KV the given prefixes hold together: blocks they share (documents whose prompts open with the
     * same system turn share its blocks) count once, as the pool holds them once.
     */
    public static long bytesTogether(Collection<KvPrefix> prefixes) {
        long blockBytes = 0;
        BitSet held = new BitSet();
        for (KvPrefix prefix : prefixes) {
            blockBytes = prefix.pool.layout().blockBytes();
            for (int block : prefix.blocks) {
                held.set(block);
            }
        }
        return held.cardinality() * blockBytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            pool.releaseAll(blocks, 0, blocks.length);
        }
    }
}
