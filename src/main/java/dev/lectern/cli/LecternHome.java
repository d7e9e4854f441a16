package dev.lectern.cli;

import java.nio.file.Path;

/**
 * The repository folder the launcher runs from (it passes {@code -Dlectern.home}); relative paths to the
 * build's own files, such as the npm-installed Qwen3 tokenizer, resolve against it, else the working folder.
 */
final class LecternHome {

    private LecternHome() {
    }

    static Path resolve(Path relative) {
        String home = System.getProperty("lectern.home");
        return home != null && !home.isBlank() ? Path.of(home).resolve(relative) : relative;
    }
}
