package dev.lectern.inference;

/**
 * The prefix cache in numbers: prompt tokens asked for and found cached (all tiers), of those the ones read
 * back from disk (and how many reads), the named entries, the RAM their pins hold, and the disk they use
 * against the budget.
 */
public record PrefixCacheStatus(long queriedTokens, long hitTokens, long ramHitTokens, long diskHitTokens,
                                long diskLoads, int entries, long pinnedRamBytes, long diskBytes,
                                long diskBudgetBytes) {

    /** Pinned prefixes may take at most this share of the RAM budget, so pins never starve live requests. */
    public static final double PINNED_RAM_SHARE = 0.5;
}
