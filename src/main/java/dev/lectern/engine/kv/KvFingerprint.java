package dev.lectern.engine.kv;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What cached keys and values depend on besides their tokens: the model (its file's content fingerprint,
 * which covers the tokenizer, chat template and RoPE settings in its metadata), the KV layout (layers,
 * width, block size, storage type) and the version of how Lectern computes and stores them. Block hashes
 * are chained from it and disk files carry it, so nothing cached for one model, layout or engine version is
 * ever read for another.
 */
public record KvFingerprint(byte[] bytes) {

    /** Bumped whenever the keys and values Lectern computes, or their layout in a block, change. */
    public static final int KV_FORMAT_VERSION = 1;

    public static KvFingerprint of(byte[] modelFingerprint, KvLayout layout) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(modelFingerprint);
            digest.update((layout + " kv-format " + KV_FORMAT_VERSION).getBytes(StandardCharsets.UTF_8));
            return new KvFingerprint(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public KvFingerprint {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KvFingerprint that && java.util.Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
