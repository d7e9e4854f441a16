package dev.lectern.engine.model;

import java.nio.file.Path;

/** The file is a valid GGUF but not a model Lectern can run; the message names the file and why. */
public final class UnsupportedModelException extends RuntimeException {

    private final transient Path file;

    public UnsupportedModelException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
