package dev.lectern.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the project's Node scripts (src/test/node) against the npm packages the Maven build
 * installed into frontend/node_modules: the references (llama.cpp, transformers.js) Lectern is compared
 * with in the same build.
 */
public final class NodeScript {

    public static final Path SCRIPTS = Path.of("src/test/node");
    /**
     * The npm install the references run from: the build's, or {@code -Dlectern.test.node-modules=DIR}. A copy of
     * it without llama.cpp's AVX-512 CPU builds (bins/linux-x64/libggml-cpu-{zen4,skylakex,icelake,...}.so) makes
     * llama.cpp load its AVX2 build, as on a CPU without AVX-512 (README, Tests and CI).
     */
    public static final Path NODE_MODULES = Path.of(System.getProperty("lectern.test.node-modules",
            "frontend/node_modules"));

    private NodeScript() {
    }

    /** Runs the script with the arguments; fails the test with the script's output if it fails. */
    public static void run(String script, Map<String, String> environment, long timeoutSeconds, Object... arguments)
            throws IOException, InterruptedException {
        assertThat(NODE_MODULES).as("npm packages, installed by the Maven build (frontend/package.json)").isDirectory();
        List<String> command = new ArrayList<>(List.of("node", SCRIPTS.resolve(script).toString()));
        for (Object argument : arguments) {
            command.add(argument.toString());
        }
        Path output = Files.createTempFile("node-" + script, ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process node = builder.start();
        boolean finished = node.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly();
        }
        String log = Files.readString(output);
        Files.delete(output);
        assertThat(finished).as("%s finished within %d s; its output:%n%s", script, timeoutSeconds, log).isTrue();
        assertThat(node.exitValue()).as("%s exit status; its output:%n%s", script, log).isZero();
    }
}
