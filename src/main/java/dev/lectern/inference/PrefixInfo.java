package dev.lectern.inference;

import java.time.Instant;

/**
 * A cached prefix as users and admins see it: its key, what it is ({@code label}, e.g. a document's title),
 * its tokens (and how many of them, in whole blocks, are kept), its size in RAM and on disk, where it lives
 * ({@code tier}: ram, disk, both, or none while it is encoded), whether it is pinned, how often it saved
 * work and how much, and how long encoding it took.
 */
public record PrefixInfo(String key, String label, int tokens, int cachedTokens, long ramBytes, long diskBytes,
                         String tier, boolean pinned, long hits, long tokensSaved, Instant lastHit, Long encodeMillis,
                         Instant createdAt) {
}
