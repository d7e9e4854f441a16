package dev.lectern.inference;

/**
 * An admin deleted a prefix-cache entry ({@code reencode} false) or asked for it to be encoded again
 * ({@code reencode} true): whoever named it (documents) follows.
 */
public record PrefixDeleted(String key, boolean reencode) {
}
