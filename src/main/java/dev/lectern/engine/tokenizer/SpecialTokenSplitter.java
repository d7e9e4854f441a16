package dev.lectern.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds control and user-defined tokens written out in text ({@code <|im_start|>}, {@code <think>}) so that
 * they become their own ids instead of going through BPE as characters. It follows llama.cpp's
 * {@code tokenizer_st_partition}: special tokens are taken longest first, and each one splits every
 * still-unmatched stretch of text at all its occurrences, left to right. Control tokens are matched only
 * when the caller asks for special tokens; user-defined ones always (as llama.cpp and Hugging Face do).
 */
final class SpecialTokenSplitter {

    /** Marks a stretch of plain text in a partition. */
    static final int TEXT = -1;

    private final int[] ids;
    private final String[] texts;
    private final boolean[] onlyWhenParsingSpecial;

    SpecialTokenSplitter(Vocabulary vocabulary) {
        List<Integer> special = new ArrayList<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.type(id).matchedBeforeBpe(true)) {
                special.add(id);
            }
        }
        // Longest first; equal lengths by id, so the order never depends on a sort's whims.
        special.sort(Comparator.comparingInt((Integer id) -> -vocabulary.text(id).length()).thenComparingInt(id -> id));
        ids = special.stream().mapToInt(Integer::intValue).toArray();
        texts = new String[ids.length];
        onlyWhenParsingSpecial = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            texts[i] = vocabulary.text(ids[i]);
            onlyWhenParsingSpecial[i] = !vocabulary.type(ids[i]).matchedBeforeBpe(false);
        }
    }

    /**
     * Splits {@code text} into fragments, appended to {@code out} as triples (start, end, token id), where
     * the id is {@link #TEXT} for text that still has to go through BPE.
     */
    void partition(String text, boolean parseSpecial, IntList out) {
        IntList current = new IntList(12);
        current.add(0);
        current.add(text.length());
        current.add(TEXT);
        for (int s = 0; s < ids.length; s++) {
            if (onlyWhenParsingSpecial[s] && !parseSpecial) {
                continue;
            }
            String special = texts[s];
            IntList next = null;
            for (int f = 0; f < current.size(); f += 3) {
                int start = current.get(f);
                int end = current.get(f + 1);
                int kind = current.get(f + 2);
                int match = kind == TEXT ? text.indexOf(special, start, end) : -1;
                if (match < 0) {
                    if (next != null) {
                        next.add(start);
                        next.add(end);
                        next.add(kind);
                    }
                    continue;
                }
                if (next == null) {
                    next = new IntList(current.size() + 12);
                    for (int g = 0; g < f; g++) {
                        next.add(current.get(g));
                    }
                }
                int from = start;
                while (match >= 0) {
                    if (match > from) {
                        next.add(from);
                        next.add(match);
                        next.add(TEXT);
                    }
                    next.add(match);
                    next.add(match + special.length());
                    next.add(ids[s]);
                    from = match + special.length();
                    match = from < end ? text.indexOf(special, from, end) : -1;
                }
                if (from < end) {
                    next.add(from);
                    next.add(end);
                    next.add(TEXT);
                }
            }
            if (next != null) {
                current = next;
            }
        }
        for (int i = 0; i < current.size(); i++) {
            out.add(current.get(i));
        }
    }
}
