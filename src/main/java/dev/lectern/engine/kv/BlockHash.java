package dev.lectern.engine.kv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a full KV block's content: 128 bits of SHA-256 over the parent block's hash and the
 * block's token ids, chained from a seed that is the model fingerprint. Two blocks with the same hash hold
 * the keys and values of the same tokens at the same positions after the same prefix, for the same model,
 * tokenizer, template, KV type and layout, so one can stand for the other. 128 bits keep an accidental
 * collision out of reach (2^-64 at four billion blocks), which matters since a collision would be a wrong
 * answer, not a slow one.
 */
public record BlockHash(long high, long low) {

    /** The chain's start: the hash of the fingerprint (see {@link ModelFingerprint}). */
    public static BlockHash seed(byte[] fingerprint) {
        MessageDigest digest = sha256();
        digest.update("lectern-kv-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        digest.update(fingerprint);
        return of(digest.digest());
    }

    /** The hash of the block holding {@code tokens[from .. from + count)} after a block hashed {@code this}. */
    public BlockHash next(int[] tokens, int from, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(16 + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(high).putLong(low);
        for (int i = from; i < from + count; i++) {
            bytes.putInt(tokens[i]);
        }
        MessageDigest digest = sha256();
        digest.update(bytes.array());
        return of(digest.digest());
    }

    public String hex() {
        return HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    private static BlockHash of(byte[] sha) {
        ByteBuffer buffer = ByteBuffer.wrap(sha);
        return new BlockHash(buffer.getLong(), buffer.getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
