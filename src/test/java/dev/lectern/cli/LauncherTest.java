package dev.lectern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs the real {@code ./lectern} script. The test JVM's class path is handed over through
 * LECTERN_CLASSPATH so the script skips its build step (a test must not start a nested Maven build).
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("lectern").toAbsolutePath();

    record Run(int exitCode, String stdout, String stderr) {
    }

    @Test
    void helpListsTheCommandsAndExitsZero() throws Exception {
        Run run = launch("help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout())
                .contains("Usage: lectern")
                .containsPattern("(?m)^\\s+serve\\s+Start the Lectern web app")
                .containsPattern("(?m)^\\s+help\\s+")
                .containsPattern("(?m)^\\s+test\\s+Run the test suite");
    }

    @Test
    void unknownCommandExitsNonZeroAndSaysWhatToDo() throws Exception {
        Run run = launch("frobnicate");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("unknown command 'frobnicate'", "./lectern help");
    }

    @Test
    void noCommandShowsUsageAndFails() throws Exception {
        Run run = launch();
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("Usage: lectern", "Missing command");
    }

    @Test
    void versionNamesLecternAndTheJavaRuntime() throws Exception {
        Run run = launch("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("Lectern ", "Java 25");
    }

    private static Run launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("LECTERN_CLASSPATH", testClassPath());
        // stderr goes to a file so neither pipe can fill up and stall the script while we read the other.
        Path stderrFile = Files.createTempFile("lectern-launcher-", ".err");
        builder.redirectError(stderrFile.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        String err = Files.readString(stderrFile);
        Files.delete(stderrFile);
        return new Run(process.exitValue(), out, err);
    }

    private static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
