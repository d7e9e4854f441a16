package dev.lectern.engine.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The token table of a model: id → text and type, text → id. Built from plain lists so that it can come
 * from a GGUF file ({@code tokenizer.ggml.tokens}, {@code tokenizer.ggml.token_type}) or, in tests, from a
 * Hugging Face tokenizer.json. Normal tokens are stored as the GGUF stores them, in the byte-level
 * alphabet ({@link ByteLevel}); control and user-defined tokens as their literal text.
 */
public final class Vocabulary {

    private final String[] texts;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final Set<Integer> endOfGeneration;

    private Vocabulary(String[] texts, TokenType[] types, Set<Integer> endOfGeneration) {
        this.texts = texts;
        this.types = types;
        this.endOfGeneration = endOfGeneration;
        this.ids = HashMap.newHashMap(texts.length);
        for (int id = 0; id < texts.length; id++) {
            Integer earlier = ids.putIfAbsent(texts[id], id);
            if (earlier != null) {
                throw new IllegalArgumentException("the vocabulary holds \"" + texts[id] + "\" twice, as tokens "
                        + earlier + " and " + id + "; a tokenizer needs every token text to be unique");
            }
        }
    }

    /**
     * @param tokens token texts by id
     * @param ggufTypes token types by id as GGUF codes ({@link TokenType#fromGgufCode}); null means all
     *                  normal, as llama.cpp assumes when a file has no type array
     */
    public static Vocabulary of(List<String> tokens, int[] ggufTypes) {
        return of(tokens, ggufTypes, null);
    }

    /**
     * A vocabulary as llama.cpp loads it from a GGUF file: with its load-time rules on token texts applied
     * ({@link LlamaCppTokenTexts}: tokens spelled like an end of generation become control tokens) and the ids
     * that end generation known.
     *
     * @param named the special ids the file names ({@code tokenizer.ggml.<role>_token_id}) by role: eos, eot,
     *              eom, fim_pre, fim_suf, fim_mid, fim_pad, fim_rep, fim_sep
     */
    public static Vocabulary asLlamaCppLoads(List<String> tokens, int[] ggufTypes, Map<String, Integer> named) {
        return of(tokens, ggufTypes, Objects.requireNonNull(named, "named"));
    }

    private static Vocabulary of(List<String> tokens, int[] ggufTypes, Map<String, Integer> named) {
        Objects.requireNonNull(tokens, "tokens");
        if (ggufTypes != null && ggufTypes.length != tokens.size()) {
            throw new IllegalArgumentException("the vocabulary has " + tokens.size() + " tokens but "
                    + ggufTypes.length + " token types; both lists must have one entry per token id");
        }
        String[] texts = new String[tokens.size()];
        TokenType[] types = new TokenType[tokens.size()];
        for (int id = 0; id < texts.length; id++) {
            String text = tokens.get(id);
            // llama.cpp renames empty entries the same way, so the text → id map stays one-to-one.
            texts[id] = text == null || text.isEmpty() ? "[EMPTY_" + id + "]" : text;
            types[id] = ggufTypes == null ? TokenType.NORMAL : TokenType.fromGgufCode(ggufTypes[id]);
        }
        if (named == null) {
            return new Vocabulary(texts, types, Set.of());
        }
        LlamaCppTokenTexts.Applied applied = LlamaCppTokenTexts.apply(texts, types, named);
        return new Vocabulary(texts, applied.types(), applied.endOfGeneration());
    }

    /**
     * The ids that end generation as llama.cpp decides them on load ({@link #asLlamaCppLoads}); empty for a
     * vocabulary built otherwise.
     */
    public Set<Integer> endOfGeneration() {
        return endOfGeneration;
    }

    public int size() {
        return texts.length;
    }

    public String text(int id) {
        return texts[checked(id)];
    }

    public TokenType type(int id) {
        return types[checked(id)];
    }

    public Optional<Integer> id(String text) {
        return Optional.ofNullable(ids.get(text));
    }

    /** The id of {@code text}, or -1; for the hot paths that cannot afford an Optional. */
    int idOrMinusOne(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    private int checked(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (texts.length - 1) + ")");
        }
        return id;
    }
}
