package dev.lectern.engine.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.backend.SequenceRows;

/**
 * Decoding sequences of one batch grouped by the cached blocks they share: two sequences share a leading
 * run of blocks when their block tables hold the same blocks (same addresses), as every sequence started
 * from one cached document prefix does. A shared block is never written (its writer copies it first), so
 * equal addresses mean equal keys and values.
 *
 * <p>A group's shared part ends at its members' common leading blocks, and no later than the first position
 * one of its rows does not see, so that every row of the group attends to all of it.
 */
final class SharedPrefixes {

    private static final SharedPrefixes NONE = new SharedPrefixes(new int[0], List.of(), List.of(), List.of());

    private final int[] groupOf;
    private final List<Integer> leaders;
    private final List<Integer> ends;
    private final List<int[]> rows;

    private SharedPrefixes(int[] groupOf, List<Integer> leaders, List<Integer> ends, List<int[]> rows) {
        this.groupOf = groupOf;
        this.leaders = leaders;
        this.ends = ends;
        this.rows = rows;
    }

    /**
     * Groups sequences (block addresses per sequence in {@code keys} / {@code values}, {@code blocks[s]} of them
     * valid; {@code leastVisible[s]}: the fewest positions one of its rows sees) that share at least
     * {@code minShared} positions.
     */
    static SharedPrefixes find(List<SequenceRows> sequences, long[][] keys, long[][] values, int[] blocks,
                               int[] leastVisible, int minShared) {
        int count = sequences.size();
        if (count < 2) {
            return NONE;
        }
        int[] groupOf = new int[count];
        Arrays.fill(groupOf, -1);
        List<Integer> leaders = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        int[] members = new int[count];
        for (int s = 0; s < count; s++) {
            if (groupOf[s] >= 0) {
                continue;
            }
            int blockSize = sequences.get(s).cache().blockSize();
            int common = blocks[s];
            int end = leastVisible[s];
            int size = 0;
            members[size++] = s;
            for (int t = s + 1; t < count; t++) {
                if (groupOf[t] >= 0 || sequences.get(t).cache().blockSize() != blockSize) {
                    continue;
                }
                int leading = leadingCommon(keys[s], values[s], keys[t], values[t], Math.min(blocks[s], blocks[t]));
                if (leading * blockSize < minShared) {
                    continue;
                }
                common = Math.min(common, leading);
                end = Math.min(end, leastVisible[t]);
                members[size++] = t;
            }
            end = Math.min(end, common * blockSize);
            if (size < 2 || end < minShared) {
                continue;
            }
            int group = leaders.size();
            int rowCount = 0;
            for (int i = 0; i < size; i++) {
                groupOf[members[i]] = group;
                rowCount += sequences.get(members[i]).rows();
            }
            int[] groupRows = new int[rowCount];
            int at = 0;
            for (int i = 0; i < size; i++) {
                SequenceRows sequence = sequences.get(members[i]);
                for (int r = sequence.firstRow(); r < sequence.endRow(); r++) {
                    groupRows[at++] = r;
                }
            }
            leaders.add(s);
            ends.add(end);
            rows.add(groupRows);
        }
        return leaders.isEmpty() ? NONE : new SharedPrefixes(groupOf, leaders, ends, rows);
    }

    private static int leadingCommon(long[] keysA, long[] valuesA, long[] keysB, long[] valuesB, int blocks) {
        int b = 0;
        while (b < blocks && keysA[b] == keysB[b] && valuesA[b] == valuesB[b]) {
            b++;
        }
        return b;
    }

    int groups() {
        return leaders.size();
    }

    /** The group of sequence s, or -1 when it shares no prefix with another of the batch. */
    int groupOf(int s) {
        return groupOf.length == 0 ? -1 : groupOf[s];
    }

    /** Positions {@code [0, end)} that every row of group g sees and its sequences share. */
    int end(int g) {
        return ends.get(g);
    }

    /** A sequence of group g, whose block addresses cover the shared part. */
    int leader(int g) {
        return leaders.get(g);
    }

    /** The batch rows of group g's sequences. */
    int[] rows(int g) {
        return rows.get(g);
    }
}
