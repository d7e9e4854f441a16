package dev.lectern.engine.tokenizer;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufMetadata;
import dev.lectern.engine.model.UnsupportedModelException;

/** Builds the tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} keys. */
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
        Vocabulary vocabulary = Vocabulary.of(metadata.requireStringArray("tokenizer.ggml.tokens"),
                metadata.findIntArray("tokenizer.ggml.token_type").orElse(null));
        try {
            return BpeTokenizer.create(vocabulary, metadata.requireStringArray("tokenizer.ggml.merges"), preTokenizer);
        } catch (IllegalArgumentException unsupported) {
            throw new UnsupportedModelException(file.path(), unsupported.getMessage());
        }
    }
}
