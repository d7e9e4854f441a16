package dev.lectern.quotas;

/**
 * One user's limits as they apply now: {@code maxConcurrentRequests} answers at once (0 blocks the user),
 * {@code tokensPerDay} computed tokens per UTC day (0: no daily limit); {@code overridden} when an
 * administrator set them rather than the defaults.
 */
public record QuotaLimits(int maxConcurrentRequests, long tokensPerDay, boolean overridden) {
}
