package dev.lectern.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What llama.cpp decides from token texts alone when it loads a vocabulary ({@code llama_vocab::impl::load} in
 * {@code llama-vocab.cpp}), mirrored so that Lectern tokenizes and stops as llama.cpp does on the same file:
 * <ul>
 * <li>a token spelled like an end of generation ({@link #END_OF_GENERATION}: {@code <|im_end|>}, but also
 * {@code </s>}, which the Qwen3 vocabulary holds as an ordinary BPE token) becomes a control token, matched
 * whole in text with special tokens parsed: llama.cpp reads {@code x </s> y} as
 * {@code [x, " ", </s>, " y"]}, not as {@code [x, " </", "s", ">", " y"]};
 * <li>it ends generation, as do the end-of-sequence, end-of-turn and end-of-message tokens and the
 * fill-in-the-middle pad, repository and file-separator tokens;
 * <li>each special role the file does not name ({@code tokenizer.ggml.eot_token_id}, ...) goes to a token
 * spelled like one ({@link #ROLES}), which becomes a control token too.
 * </ul>
 * Lists as in llama.cpp's source at the commit node-llama-cpp 3.22.1 builds. Where llama.cpp takes the first
 * matching token in its hash map's order, this takes the lowest id: they differ only for a vocabulary with
 * two tokens spelled for one role and neither named by the file, which no Qwen3 file has. llama.cpp's
 * exception for gpt-oss and Solar (whose {@code <|end|>} does not end generation) is left out: Lectern runs
 * Qwen3 only.
 */
public final class LlamaCppTokenTexts {

    /** Texts that end generation (llama.cpp's {@code special_eog_ids} by text). */
    public static final List<String> END_OF_GENERATION = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>");

    /**
     * Special roles found by text when the file does not name them: the metadata key's role name and the texts
     * that claim it. End of turn, end of message and the three fill-in-the-middle markers that end generation
     * (pad, repository, file separator) also end generation.
     */
    static final Map<String, List<String>> ROLES = Map.of(
            "eot", List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                    "<EOT>", "_<EOT>", "[EOT]", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<end_of_utterance>"),
            "eom", List.of("<|eom_id|>"),
            "fim_pre", List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>",
                    "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>"),
            "fim_suf", List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>",
                    "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>"),
            "fim_mid", List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>",
                    "\u2581<MID>", "<|code_middle|>", "<|middle|>"),
            "fim_pad", List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"),
            "fim_rep", List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"),
            "fim_sep", List.of("<|file_sep|>"));

    /** Roles whose token ends generation. */
    private static final List<String> ENDING_ROLES = List.of("eos", "eot", "eom", "fim_pad", "fim_rep", "fim_sep");

    private LlamaCppTokenTexts() {
    }

    /** A vocabulary's types after llama.cpp's text rules, and the ids that end generation. */
    record Applied(TokenType[] types, Set<Integer> endOfGeneration) {
    }

    /**
     * @param texts  token texts by id, as stored (ordinary tokens in the byte-level alphabet: llama.cpp compares
     *               those, so {@code </s>}, all printable ASCII, matches as written)
     * @param types  token types by id; not modified
     * @param named  the special ids the file names, by role ({@code eos}, {@code eot}, {@code fim_pad}, ...:
     *               the middle of {@code tokenizer.ggml.<role>_token_id})
     */
    static Applied apply(String[] texts, TokenType[] types, Map<String, Integer> named) {
        TokenType[] adjusted = Arrays.copyOf(types, types.length);
        Map<String, Integer> roles = new java.util.HashMap<>(named);
        for (Map.Entry<String, List<String>> role : ROLES.entrySet()) {
            if (roles.containsKey(role.getKey())) {
                continue;
            }
            for (int id = 0; id < texts.length; id++) {
                if (role.getValue().contains(texts[id])) {
                    roles.put(role.getKey(), id);
                    adjusted[id] = TokenType.CONTROL;
                    break;
                }
            }
        }
        Set<Integer> ending = new TreeSet<>();
        Set<String> endingTexts = Set.copyOf(END_OF_GENERATION);
        for (int id = 0; id < texts.length; id++) {
            if (endingTexts.contains(texts[id])) {
                ending.add(id);
                adjusted[id] = TokenType.CONTROL;
            }
        }
        List<Integer> roleIds = new ArrayList<>();
        for (String role : ENDING_ROLES) {
            Integer id = roles.get(role);
            if (id != null && id >= 0 && id < texts.length) {
                roleIds.add(id);
            }
        }
        ending.addAll(roleIds);
        return new Applied(adjusted, Set.copyOf(ending));
    }
}
