package dev.lectern;

import dev.lectern.cli.LecternCommand;

/**
 * The one entry point of the jar. Every subcommand but {@code serve} runs without starting the web
 * server, so {@code ./lectern help} answers in well under a second and a CLI tool never opens a port.
 */
public final class Lectern {

    private Lectern() {
    }

    public static void main(String[] args) {
        int exitCode = LecternCommand.execute(args);
        // serve keeps the JVM alive through its non-daemon server threads; only short commands exit here.
        if (exitCode != LecternCommand.KEEP_RUNNING) {
            System.exit(exitCode);
        }
    }
}
