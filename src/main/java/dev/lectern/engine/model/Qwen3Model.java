package dev.lectern.engine.model;

import java.io.IOException;
import java.nio.file.Path;

import dev.lectern.engine.chat.ChatTemplate;
import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.tokenizer.BpeTokenizer;
import dev.lectern.engine.tokenizer.GgufTokenizers;

/**
 * A loaded Qwen3 GGUF file: configuration, weights (slices of the one mapping), tokenizer and chat
 * template. Loading maps the file and reads metadata; no weight is copied, so it takes well under a
 * second even for large models. Closing unmaps the file.
 */
public final class Qwen3Model implements AutoCloseable {

    private final GgufFile file;
    private final Qwen3Config config;
    private final Qwen3Weights weights;
    private final BpeTokenizer tokenizer;
    private final ChatTemplate chatTemplate;

    private Qwen3Model(GgufFile file) {
        this.file = file;
        this.config = Qwen3Config.from(file);
        this.weights = Qwen3Weights.load(file, config);
        this.tokenizer = GgufTokenizers.fromGguf(file);
        this.chatTemplate = ChatTemplate.fromJinja(file.metadata().findString("tokenizer.chat_template").orElse(null));
    }

    public static Qwen3Model load(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            return new Qwen3Model(file);
        } catch (RuntimeException invalid) {
            file.close();
            throw invalid;
        }
    }

    public Path path() {
        return file.path();
    }

    public Qwen3Config config() {
        return config;
    }

    public Qwen3Weights weights() {
        return weights;
    }

    public BpeTokenizer tokenizer() {
        return tokenizer;
    }

    /** {@link GgufFile#contentFingerprint()} of the file: what cached keys and values of this model are keyed by. */
    public byte[] fingerprint() {
        return file.contentFingerprint();
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    @Override
    public void close() {
        file.close();
    }
}
