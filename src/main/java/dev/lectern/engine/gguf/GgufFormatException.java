package dev.lectern.engine.gguf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A GGUF file that cannot be used as it is: damaged, of an unsupported version, or lacking (or mistyping)
 * something a reader requires. The message is complete on its own and names the file, the key or tensor
 * concerned and, where it helps, the byte offset; the accessors give the same facts to code.
 *
 * <p>Unchecked because it is also what the metadata getters throw, where a checked exception would burden
 * every caller that reads a hyperparameter.
 */
public class GgufFormatException extends RuntimeException {

    private final Path file;
    private final long byteOffset;

    public GgufFormatException(Path file, String message) {
        this(file, message, -1);
    }

    /** @param byteOffset where in the file the problem is, or -1 when it is not about one place */
    public GgufFormatException(Path file, String message, long byteOffset) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
        this.byteOffset = byteOffset;
    }

    public Path file() {
        return file;
    }

    public OptionalLong byteOffset() {
        return byteOffset < 0 ? OptionalLong.empty() : OptionalLong.of(byteOffset);
    }
}
