package dev.lectern.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.springframework.boot.SpringApplication;
import org.springframework.core.NestedExceptionUtils;

import dev.lectern.LecternApplication;
import dev.lectern.engine.cpu.VectorCapabilities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Starts the web application; the JVM then lives as long as the server does. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Start the Lectern web app (default http://localhost:8080).",
            "Spring options may follow, e.g. --server.port=9090; settings are listed in the README."
        })
final class ServeCommand implements Callable<Integer> {

    @Unmatched
    private final List<String> springArguments = new ArrayList<>();

    @Override
    public Integer call() {
        try {
            // Before Spring: a JVM without Lectern's flags should say so in a second, not after the database.
            VectorCapabilities.detect();
            SpringApplication.run(LecternApplication.class, springArguments.toArray(String[]::new));
            return LecternCommand.KEEP_RUNNING;
        } catch (RuntimeException startupFailure) {
            // Spring has already logged why (with a failure analysis where it has one); say it ended.
            System.err.println("lectern: the server did not start: " + mostSpecificMessage(startupFailure));
            return 1;
        }
    }

    private static String mostSpecificMessage(Throwable failure) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
