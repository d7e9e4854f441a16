package dev.lectern.engine.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufMetadata;
import dev.lectern.engine.model.UnsupportedModelException;

/**
 * Builds the tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} keys, with llama.cpp's load-time
 * rules on token texts applied ({@link LlamaCppTokenTexts}), so ids and stop tokens are llama.cpp's.
 */
public final class GgufTokenizers {

    private GgufTokenizers() {
    }

    /**
     * @throws UnsupportedModelException when the file's tokenizer is not the byte-level BPE ("gpt2") with
     *         the qwen2 pre-tokenizer that Qwen3 uses
     */
    public static BpeTokenizer fromGguf(GgufFile file) {
        GgufMetadata metadata = file.metadata();
        String model = metadata.findString("tokenizer.ggml.model").orElse("(none)");
        if (!"gpt2".equals(model)) {
            throw new UnsupportedModelException(file.path(), "tokenizer.ggml.model is '" + model
                    + "'; Lectern reads the byte-level BPE tokenizer ('gpt2') of Qwen3 models");
        }
        // llama.cpp calls a BPE file without a pre-tokenizer name "default"; Qwen3 files always name qwen2.
        String preTokenizer = metadata.findString("tokenizer.ggml.pre").orElse("default");
        Map<String, Integer> named = new HashMap<>();
        for (String role : List.of("eos", "eot", "eom", "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep")) {
            metadata.findInt("tokenizer.ggml." + role + "_token_id").ifPresent(id -> named.put(role, id));
        }
        Vocabulary vocabulary = Vocabulary.asLlamaCppLoads(metadata.requireStringArray("tokenizer.ggml.tokens"),
                metadata.findIntArray("tokenizer.ggml.token_type").orElse(null), named);
        try {
            return BpeTokenizer.create(vocabulary, metadata.requireStringArray("tokenizer.ggml.merges"), preTokenizer);
        } catch (IllegalArgumentException unsupported) {
            throw new UnsupportedModelException(file.path(), unsupported.getMessage());
        }
    }
}
