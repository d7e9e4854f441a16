package dev.lectern.apikeys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;

/**
 * Per-user keys for the OpenAI-compatible API. A key is {@value #PREFIX} and 256 random bits (43 URL-safe
 * characters), recognisable in a leaked config file; only its SHA-256 is stored, so the database alone
 * opens nothing. Every request looks its key up again: a revoked key (its row deleted) or a disabled account
 * fails at once. Blocking (JDBC).
 */
@Service
public class ApiKeys {

    static final String PREFIX = "lk-";
    static final int MAX_NAME_LENGTH = 100;
    /** How many of the key's characters are kept to tell keys apart: the prefix and 7 random ones (42 bits). */
    private static final int HINT_LENGTH = PREFIX.length() + 7;

    private final ApiKeyRepository keys;
    private final SecureRandom random = new SecureRandom();

    ApiKeys(ApiKeyRepository keys) {
        this.keys = keys;
    }

    /** A new key and the one time it is shown in full. */
    record CreatedKey(ApiKeyView view, String key) {
    }

    CreatedKey create(long userId, String name) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new CreatedKey(keys.insert(userId, name, hash(key), key.substring(0, HINT_LENGTH)), key);
    }

    List<ApiKeyView> list(long userId) {
        return keys.list(userId);
    }

    boolean revoke(long userId, long keyId) {
        return keys.delete(userId, keyId);
    }

    /** The owner of {@code key} when it is a live key of an enabled account. */
    public Optional<ApiKeyPrincipal> authenticate(String key) {
        if (key == null || !key.startsWith(PREFIX) || key.length() > 200) {
            return Optional.empty();
        }
        return keys.use(hash(key));
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
    }
}
