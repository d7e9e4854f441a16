package dev.lectern.inference;

/**
 * A prefix-cache entry is gone: an admin deleted it ({@code reencode} false), or asked for it to be encoded
 * again, or its file was found damaged when read back ({@code reencode} true): whoever named it (documents)
 * follows.
 */
public record PrefixDeleted(String key, boolean reencode) {
}
