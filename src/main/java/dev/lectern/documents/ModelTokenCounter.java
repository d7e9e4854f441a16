package dev.lectern.documents;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.lectern.config.LecternProperties;
import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.tokenizer.BpeTokenizer;
import dev.lectern.engine.tokenizer.GgufTokenizers;

/**
 * Counts with the tokenizer of the model in {@code lectern.model.path}, read from the GGUF file the
 * first time a count is needed (decoding 150k vocabulary strings takes a moment; a server that never
 * gets an upload never pays it). The tokenizer keeps its own copies of the strings, so the file is
 * closed straight after; encoding is thread-safe. A model that cannot be read is reported, not retried
 * on every document.
 */
@Component
class ModelTokenCounter implements TokenCounter {

    private static final Logger log = LoggerFactory.getLogger(ModelTokenCounter.class);

    private final LecternProperties.Model model;
    private volatile BpeTokenizer tokenizer;
    private volatile String unavailable;

    ModelTokenCounter(LecternProperties properties) {
        this.model = properties.model();
        if (!model.isConfigured()) {
            unavailable = "No model is configured (LECTERN_MODEL_PATH), so the token count, and whether the "
                    + "document fits the model's context, are unknown.";
        }
    }

    @Override
    public OptionalInt count(String text) {
        BpeTokenizer loaded = tokenizer();
        // Document text is untrusted: "<|im_start|>" written in it stays plain characters.
        return loaded == null ? OptionalInt.empty() : OptionalInt.of(loaded.encode(text, false).length);
    }

    @Override
    public Optional<String> unavailableReason() {
        tokenizer();
        return Optional.ofNullable(unavailable);
    }

    private BpeTokenizer tokenizer() {
        BpeTokenizer loaded = tokenizer;
        if (loaded != null || unavailable != null) {
            return loaded;
        }
        synchronized (this) {
            if (tokenizer == null && unavailable == null) {
                Path path = model.path();
                long started = System.nanoTime();
                try (GgufFile file = GgufFile.open(path)) {
                    tokenizer = GgufTokenizers.fromGguf(file);
                    log.info("Loaded the tokenizer of {} for counting document tokens in {} ms", path.getFileName(),
                            (System.nanoTime() - started) / 1_000_000);
                } catch (Exception | LinkageError failure) {
                    unavailable = "The model file " + path + " (LECTERN_MODEL_PATH) could not be read ("
                            + failure.getMessage() + "), so the token count is unknown.";
                    log.warn("Cannot count document tokens: the tokenizer of {} could not be loaded", path, failure);
                }
            }
            return tokenizer;
        }
    }
}
