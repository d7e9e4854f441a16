package dev.lectern.admin;

import java.util.List;

import dev.lectern.engine.kv.KvPoolStats;
import dev.lectern.engine.sched.SequenceStats;

/**
 * The KV pool: its blocks (used, free, shared, cached) and bytes, the running sequences with the blocks
 * each holds, and the documents whose encoded prefixes hold blocks in RAM. Null pool without a model.
 */
public record KvPanel(String kvType, int blockTokens, KvPoolStats pool, List<SequenceStats> sequences,
                      List<DocumentBlocks> documents) {

    /** A cached prefix's share of RAM: its label, key and resident bytes and blocks. */
    public record DocumentBlocks(String key, String label, long bytes, long blocks) {
    }
}
