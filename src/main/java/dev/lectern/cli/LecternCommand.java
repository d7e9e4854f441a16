package dev.lectern.cli;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code lectern} command line: {@code serve} starts the web app, every other subcommand runs
 * without it. Later engine work adds its tools (tokenize, generate, bench, make-test-model) here as
 * subcommands, and {@code help} lists whatever exists.
 */
@Command(name = "lectern",
        mixinStandardHelpOptions = true,
        versionProvider = LecternVersion.class,
        description = "Ask questions about whole documents, answered by Lectern's own Qwen3 engine.",
        subcommands = {ServeCommand.class, GenerateCommand.class, InspectCommand.class, TokenizeCommand.class,
            MakeTestModelCommand.class, BenchCommand.class,
            HelpCommand.class},
        usageHelpAutoWidth = true)
public final class LecternCommand implements Runnable {

    /** Returned by a command that leaves non-daemon threads running (the web server); main must not exit. */
    public static final int KEEP_RUNNING = Integer.MIN_VALUE;

    @Spec
    private CommandSpec spec;

    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new LecternCommand());
        commandLine.setParameterExceptionHandler(LecternCommand::reportBadArguments);
        commandLine.setExecutionExceptionHandler(LecternCommand::reportFailure);
        return commandLine.execute(args);
    }

    /** Without a subcommand there is nothing to do: show what exists and say so in the exit code. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command.");
    }

    /**
     * A command that fails says why in one line (the file, the key, the limit); the stack trace is for
     * developers and shows with LECTERN_DEBUG=1.
     */
    private static int reportFailure(Exception failure, CommandLine commandLine, CommandLine.ParseResult parsed) {
        String message = switch (failure) {
            case NoSuchFileException missing -> "no such file: " + missing.getFile();
            case AccessDeniedException denied -> "permission denied: " + denied.getFile();
            default -> failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        };
        commandLine.getErr().printf("lectern %s: %s%n", commandLine.getCommandName(), message);
        if (System.getenv("LECTERN_DEBUG") != null) {
            failure.printStackTrace(commandLine.getErr());
        }
        return 1;
    }

    private static int reportBadArguments(CommandLine.ParameterException problem, String[] args) {
        CommandLine commandLine = problem.getCommandLine();
        PrintWriter err = commandLine.getErr();
        if (problem instanceof CommandLine.UnmatchedArgumentException unmatched
                && commandLine.getCommandSpec().userObject() instanceof LecternCommand
                && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().getFirst().startsWith("-")) {
            err.printf("lectern: unknown command '%s'. Run './lectern help' to see the commands.%n",
                    unmatched.getUnmatched().getFirst());
        } else if (commandLine.getCommandSpec().userObject() instanceof LecternCommand) {
            err.printf("lectern: %s Run './lectern help' to see the commands.%n", problem.getMessage());
        } else {
            err.printf("lectern: %s%nRun './lectern help %s' for its options.%n", problem.getMessage(),
                    commandLine.getCommandName());
        }
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }
}
