package dev.lectern.documents;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Turns a stored file into the text the model will read, or explains why it cannot. Two ways to run
 * it: {@link TikaTextExtractor} parses inside the server's JVM; {@link IsolatedTextExtractor} parses in
 * a child JVM, so a parser that crashes, runs out of memory or never returns costs only that child.
 */
interface TextExtractor extends AutoCloseable {

    /**
     * @param filename the uploaded name, a hint for type detection only
     * @param timeout  how long the parse may run
     */
    ExtractedDocument extract(Path file, String filename, Duration timeout, ExtractionListener listener)
            throws ExtractionFailedException;

    /**
     * Gets ready for the first document in the background and returns at once: {@link IsolatedTextExtractor}
     * starts and warms up a child. Nothing by default (in process, there is nothing to start).
     */
    default void prestart() {
    }

    /** Releases what the extractor holds (child processes); nothing by default. */
    @Override
    default void close() {
    }
}
