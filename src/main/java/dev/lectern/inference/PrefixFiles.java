package dev.lectern.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier's directory: one file per prefix-cache entry, named by its key. Every file deleted is
 * logged with its reason, so an operator can tell a crash's leftovers from damage or a budget.
 */
final class PrefixFiles {

    private static final Logger log = LoggerFactory.getLogger(PrefixFiles.class);
    private static final String SUFFIX = ".kv";
    /** What {@code KvPrefixFile.write} writes before the rename that publishes a file. */
    private static final String UNFINISHED = ".tmp";

    private final Path directory;

    PrefixFiles(Path directory) {
        this.directory = directory;
    }

    Path fileOf(String key) {
        return directory.resolve(key + SUFFIX);
    }

    /** Creates the directory, and deletes the temporary files of writes that a stopped server left behind. */
    void prepare() throws IOException {
        Files.createDirectories(directory);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path stray : files.filter(file -> file.getFileName().toString().endsWith(UNFINISHED)).toList()) {
                Files.deleteIfExists(stray);
                log.warn("Deleted {}: a prefix-cache write that did not finish (the server stopped while writing it)",
                        stray);
            }
        }
    }

    /** Deletes the files no entry names (their rows were dropped, or they came from elsewhere). */
    void dropAllBut(Set<String> keys) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path orphan : files.filter(file -> file.getFileName().toString().endsWith(SUFFIX)
                    && !keys.contains(keyOf(file))).toList()) {
                drop(orphan, "no cache entry names it");
            }
        }
    }

    /** Deletes an entry's file, saying why; its prefix is encoded again when next needed. */
    void drop(String key, String reason) {
        drop(fileOf(key), reason);
    }

    static void drop(Path file, String reason) {
        try {
            if (Files.deleteIfExists(file)) {
                log.warn("Deleted the prefix-cache file {}: {}; its prefix is encoded again when next needed", file,
                        reason);
            }
        } catch (IOException e) {
            log.warn("Could not delete the prefix-cache file {} ({}): {}", file, reason, e.getMessage());
        }
    }

    /** Deletes a file the user asked to forget (no warning: nothing went wrong). */
    void delete(String key) {
        try {
            Files.deleteIfExists(fileOf(key));
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", fileOf(key), e.getMessage());
        }
    }

    private static String keyOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - SUFFIX.length());
    }
}
