package dev.lectern.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

import org.springframework.util.unit.DataSize;

/**
 * The command line that starts an extraction process: the same {@code java} and the same classes as the
 * running server, a heap of its own and {@link ExtractionWorkerMain} as the main class. Two layouts are
 * found in practice: a plain class path (tests, IDEs, {@code LECTERN_CLASSPATH}) runs the main class
 * directly; the packaged Spring Boot jar ({@code java -jar lectern.jar}) keeps classes and libraries
 * nested inside, so the child goes through Spring Boot's PropertiesLauncher with {@code loader.main}.
 */
final class ExtractionCommand {

    private static final String BOOT_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private ExtractionCommand() {
    }

    static List<String> forThisJvm(DataSize heap, int maxCharacters, OcrSettings ocr) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("-Xmx" + Math.max(1, heap.toMegabytes()) + "m");
        // Out of memory ends the child at once (exit code 3) rather than leaving a half-working parser.
        command.add("-XX:+ExitOnOutOfMemoryError");
        // The JVM's own messages (that one included) and its unified logging, which writes warnings to
        // stdout by default, must not land in stdout: that is the protocol channel.
        command.add("-XX:+DisplayVMOutputToStderr");
        command.add("-Xlog:disable");
        command.add("-Xlog:all=warning:stderr");
        // One parse at a time in a small heap: the serial collector is the leanest and starts fastest.
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        String classPath = System.getProperty("java.class.path");
        if (isSpringBootJar(classPath)) {
            command.add("-Dloader.main=" + ExtractionWorkerMain.class.getName());
            command.add("-cp");
            command.add(classPath);
            command.add(BOOT_LAUNCHER);
        } else {
            command.add("-cp");
            command.add(classPath);
            command.add(ExtractionWorkerMain.class.getName());
        }
        command.add(Integer.toString(maxCharacters));
        command.addAll(ocr.toArguments());
        return command;
    }

    /** The running JVM's own launcher, so the child gets the same Java version and vendor. */
    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static boolean isSpringBootJar(String classPath) {
        if (classPath == null || classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar")) {
            return false;
        }
        Path jar = Path.of(classPath);
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getEntry("BOOT-INF/classes/") != null;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the application jar " + jar, e);
        }
    }
}
