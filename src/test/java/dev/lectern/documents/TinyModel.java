package dev.lectern.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.lectern.LecternIntegrationTest;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;

/** A tiny Qwen3 GGUF with the real tokenizer, generated once per test JVM, for counting tokens. */
final class TinyModel {

    private static Path file;

    private TinyModel() {
    }

    static synchronized Path file() {
        if (file == null) {
            try {
                Path target = LecternIntegrationTest.freshDataDirectory().resolve("tiny-q8_0.gguf");
                Files.createDirectories(target.getParent());
                file = TestModelGenerator.write(target, TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 1),
                        Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), progress -> { }).file();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }
}
