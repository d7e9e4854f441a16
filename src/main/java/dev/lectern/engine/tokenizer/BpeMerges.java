package dev.lectern.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge table of byte-level BPE, keyed by symbol ids: for a pair of adjacent symbols, its rank (the
 * merge's line number; lower merges first) and the symbol the pair becomes.
 * <p>
 * llama.cpp keys its table by strings and looks the final symbols up in the vocabulary afterwards. Ids
 * make the hot loop allocation-free; to stay exact for vocabularies where a merge produces a string that is
 * not a token (Qwen3 has none), such strings get "virtual" ids above the vocabulary, and
 * {@link #virtualText} keeps their text for llama.cpp's fallback.
 */
final class BpeMerges {

    private static final long EMPTY = -1L;

    private final int vocabularySize;
    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private final int[] symbolOfByte = new int[256];
    private final List<String> virtualTexts = new ArrayList<>();

    /**
     * @param merges GGUF {@code tokenizer.ggml.merges}: "left right" in the byte-level alphabet, best first
     */
    BpeMerges(Vocabulary vocabulary, List<String> merges) {
        this.vocabularySize = vocabulary.size();
        Map<String, Integer> virtualIds = new HashMap<>();
        int capacity = Integer.highestOneBit(Math.max(16, merges.size() * 2 - 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        results = new int[capacity];
        mask = capacity - 1;
        java.util.Arrays.fill(keys, EMPTY);

        for (int b = 0; b < 256; b++) {
            symbolOfByte[b] = symbolId(vocabulary, virtualIds, String.valueOf(ByteLevel.charOf(b)));
        }
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            // As llama.cpp: split at the first space after the first character, so that a left part
            // could itself start with a space.
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                throw new IllegalArgumentException("BPE merge " + rank + " (\"" + merge + "\") is not two symbols"
                        + " separated by a space; tokenizer.ggml.merges is malformed");
            }
            String left = merge.substring(0, space);
            String right = merge.substring(space + 1);
            int leftId = symbolId(vocabulary, virtualIds, left);
            int rightId = symbolId(vocabulary, virtualIds, right);
            int resultId = symbolId(vocabulary, virtualIds, left + right);
            put(key(leftId, rightId), rank, resultId);
        }
    }

    private int symbolId(Vocabulary vocabulary, Map<String, Integer> virtualIds, String text) {
        int id = vocabulary.idOrMinusOne(text);
        if (id >= 0) {
            return id;
        }
        return virtualIds.computeIfAbsent(text, t -> {
            virtualTexts.add(t);
            return vocabularySize + virtualTexts.size() - 1;
        });
    }

    /** The symbol a single byte starts as. */
    int symbolOfByte(int unsignedByte) {
        return symbolOfByte[unsignedByte];
    }

    boolean isVirtual(int symbol) {
        return symbol >= vocabularySize;
    }

    String virtualText(int symbol) {
        return virtualTexts.get(symbol - vocabularySize);
    }

    /** Where the merge of {@code left} with {@code right} is kept, or -1 if those two never merge. */
    int slot(int left, int right) {
        return find(key(left, right));
    }

    /** The merge's rank: lower ranks merge first. */
    int rankAt(int slot) {
        return ranks[slot];
    }

    /** The symbol the pair becomes. */
    int resultAt(int slot) {
        return results[slot];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    private int find(long key) {
        int slot = hash(key) & mask;
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return slot;
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void put(long key, int rank, int result) {
        int slot = hash(key) & mask;
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return; // a repeated pair keeps its first, best rank, as llama.cpp's map.emplace does
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        results[slot] = result;
    }
}
