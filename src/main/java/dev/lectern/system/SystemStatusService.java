package dev.lectern.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import dev.lectern.cli.LecternVersion;
import dev.lectern.config.LecternProperties;
import dev.lectern.engine.cpu.CpuBackend;
import dev.lectern.engine.cpu.NativeKernels;
import dev.lectern.engine.cpu.VectorCapabilities;
import dev.lectern.inference.InferenceService;

/**
 * Gathers {@link SystemStatus}. Detecting the vector capabilities at construction makes a JVM started
 * without Lectern's flags fail at start-up with the reason, instead of hanging on a later request.
 */
@Service
public class SystemStatusService {

    private static final Logger log = LoggerFactory.getLogger(SystemStatusService.class);

    private final LecternProperties properties;
    private final JdbcClient jdbc;
    private final VectorCapabilities vectors;
    private final String cpuKernels;
    private final InferenceService inference;

    SystemStatusService(LecternProperties properties, JdbcClient jdbc, InferenceService inference) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.inference = inference;
        this.vectors = VectorCapabilities.detect();
        // After detect(): it names the missing JVM flag before anything touches a vector class.
        this.cpuKernels = CpuBackend.describeKernels(NativeKernels.load());
        log.info("Engine: {} CPU cores, {} threads, {}; {}", Runtime.getRuntime().availableProcessors(),
                properties.engine().effectiveThreads(), vectors.describe(), cpuKernels);
    }

    /** Blocking (a database round trip and file-system calls): call it off the event loop. */
    public SystemStatus current() {
        LecternProperties.Model model = properties.model();
        Path modelPath = model.isConfigured() ? model.path().toAbsolutePath() : null;
        boolean modelFound = modelPath != null && Files.isRegularFile(modelPath) && Files.isReadable(modelPath);
        Path dataDir = properties.dataDir().toAbsolutePath().normalize();
        return new SystemStatus(
                LecternVersion.current(),
                Runtime.version().toString(),
                Runtime.getRuntime().availableProcessors(),
                properties.engine().effectiveThreads(),
                vectors.describe(),
                cpuKernels,
                new SystemStatus.ModelStatus(modelPath != null ? modelPath.toString() : null,
                        modelPath != null, modelFound, modelFound ? sizeOf(modelPath) : 0,
                        model.contextLength()),
                inference.status(),
                properties.documents().maxUpload().toBytes(),
                new SystemStatus.DatabaseStatus(properties.db().isExternal() ? "external" : "embedded",
                        jdbc.sql("SHOW server_version").query(String.class).single()),
                dataDir.toString(),
                freeBytes(dataDir));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long freeBytes(Path directory) {
        try {
            Path existing = directory;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing == null ? 0 : Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }
}
