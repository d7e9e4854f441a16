package dev.lectern.admin;

import java.util.List;

/**
 * The cache panel: a row per prefix, and the totals against the budgets: RAM the entries hold against the
 * KV budget and the share of it pins may take, and disk against {@code lectern.cache.disk-bytes}.
 */
public record CachePanel(List<CacheRow> rows, long ramBytes, long ramBudgetBytes, long pinnedRamLimitBytes,
                         long diskBytes, long diskBudgetBytes, long hitTokens, long queriedTokens) {
}
