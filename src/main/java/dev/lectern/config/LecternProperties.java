package dev.lectern.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import dev.lectern.engine.kv.KvDataType;

/**
 * Every {@code lectern.*} setting. Defaults live in {@code application.yml}; each one can be overridden
 * by its environment variable (the README's configuration table lists them).
 */
@Validated
@ConfigurationProperties("lectern")
public record LecternProperties(
        @NotNull Path dataDir,
        @NotNull @Valid Model model,
        @NotNull @Valid Engine engine,
        @NotNull @Valid Cache cache,
        @NotNull @Valid Documents documents,
        @NotNull @Valid Chat chat,
        @NotNull @Valid Database db,
        @NotNull @Valid Security security) {

    public LecternProperties {
        // Every cache setting may be empty (automatic), and then Spring binds no Cache at all.
        cache = cache == null ? new Cache(null, null) : cache;
    }

    /** The Qwen3 GGUF file to serve and the context window to run it with. */
    public record Model(Path path, @Min(512) @Max(1_048_576) int contextLength) {

        public boolean isConfigured() {
            return path != null && !path.toString().isBlank();
        }
    }

    /**
     * The engine: CPU threads for its kernels (0: one per available core); how keys and values are stored
     * ({@code kvType}: F16, or Q8_0 at half the memory); and how the scheduler shares it: {@code maxRunning}
     * sequences in each batch, {@code maxQueued} more waiting (further requests are refused as busy),
     * {@code prefillChunk} prompt tokens encoded per step while nobody streams and at most
     * {@code prefillChunkWhileDecoding} while someone does, sized so that such a step takes no more than
     * {@code decodeGapFactor} times a decode-only step (the pause readers feel between tokens), and
     * {@code kvWaitTimeout}, how long a request may wait for KV memory before it fails as "memory full".
     */
    public record Engine(
            @Min(0) @Max(1024) int threads,
            @NotNull KvDataType kvType,
            @Min(1) @Max(256) int maxRunning,
            @Min(0) @Max(100_000) int maxQueued,
            @Min(1) @Max(8192) int prefillChunk,
            @Min(1) @Max(8192) int prefillChunkWhileDecoding,
            @DecimalMin("1.0") @DecimalMax("100.0") double decodeGapFactor,
            @NotNull Duration kvWaitTimeout) {

        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * {@code ramBytes}: the memory the KV block pool may take (every running conversation's and every
     * encoded document's keys and values). Empty: what this machine has left after the model file, the
     * JVM's heap and a reserve for the OS (see {@code KvBudget}). {@code diskBytes}: the most the prefix
     * cache's files under the data directory may take; the least recently used unpinned ones go first.
     */
    public record Cache(DataSize ramBytes, DataSize diskBytes) {

        /** The disk budget, 20 GB when none is set. */
        public long diskBudgetBytes() {
            return diskBytes != null ? diskBytes.toBytes() : DataSize.ofGigabytes(20).toBytes();
        }
    }

    /**
     * Uploads and their extraction. {@code maxUpload} is checked while streaming, so an oversized file is
     * never held whole; {@code extractionTimeout} bounds one parse; {@code maxCharacters} bounds the text
     * a parse may produce (far above any context window, it stops a runaway parser, not a real document);
     * {@code extractionThreads} is how many documents are parsed at once. {@code isolation} says where
     * parsers run: in child processes of {@code extractionHeap} each (a crash or out-of-memory costs one
     * document), or inside the server (less memory and start-up, no protection). {@code prestart} starts
     * one child as soon as the app is ready, so the first upload does not wait seconds for a JVM.
     * {@code ocr}: whether pages without a text layer and image uploads are read with Tesseract
     * ({@code auto}: when it is installed), in {@code ocrLanguages} (Tesseract's codes joined by '+',
     * e.g. {@code eng+deu}), each page within {@code ocrPageTimeout}; {@code ocrTesseractPath} is the
     * folder holding the tesseract program when it is not on the PATH (empty: the PATH).
     */
    public record Documents(
            @NotNull DataSize maxUpload,
            @NotNull Duration extractionTimeout,
            @Min(1000) int maxCharacters,
            @Min(1) @Max(64) int extractionThreads,
            @NotNull Isolation isolation,
            @NotNull DataSize extractionHeap,
            boolean prestart,
            @NotNull Ocr ocr,
            @NotBlank String ocrLanguages,
            @NotNull Duration ocrPageTimeout,
            String ocrTesseractPath) {

        /** Whether scans and pictures are read by OCR. */
        public enum Ocr {
            /** With Tesseract where it is installed; without it, a scan fails saying what to install. */
            AUTO,
            /** Never: a scan fails as having no text. */
            OFF
        }

        /** Where document parsers run. */
        public enum Isolation {
            /** In child JVMs of {@code extraction-heap} each, kept warm between documents. */
            PROCESS,
            /** In the server's own JVM: for small machines and quick tests; a parser crash can take the server down. */
            IN_PROCESS
        }
    }

    /**
     * The prompt every question starts from, and the tokens kept free for the answer: a document fits
     * when system prompt + documents + {@code reservedAnswerTokens} fit in the context window (also the
     * longest answer the chat asks for unless a question sets its own). The chat socket:
     * {@code detachedAnswerGrace} is how long an answer goes on writing after the last page reading it
     * closed (a reload reattaches within it; after it the answer is cancelled); {@code socketBuffer} is
     * how many messages a connection may fall behind before its answers are cancelled; {@code maxMessageSize}
     * is the largest message a browser may send; {@code allowedOrigins} are pages of other origins
     * (scheme://host[:port]) allowed to open the socket, besides Lectern's own.
     */
    public record Chat(
            @NotBlank String systemPrompt,
            @Min(1) int reservedAnswerTokens,
            @NotNull Duration detachedAnswerGrace,
            @Min(16) @Max(1_000_000) int socketBuffer,
            @NotNull DataSize maxMessageSize,
            @NotNull List<String> allowedOrigins) {

        @ConstructorBinding
        public Chat {
            allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        }

        /** The prompt settings with the chat socket's defaults. */
        public Chat(String systemPrompt, int reservedAnswerTokens) {
            this(systemPrompt, reservedAnswerTokens, Duration.ofSeconds(30), 1024, DataSize.ofKilobytes(256), List.of());
        }
    }

    /** An external PostgreSQL server; when no URL is given Lectern runs its own under the data directory. */
    public record Database(String url, String username, String password) {

        public boolean isExternal() {
            return StringUtils.hasText(url);
        }
    }

    /**
     * Accounts and sign-in. {@code adminPassword}: the first administrator's password; when empty a random
     * one is generated, logged once, and must be changed at the first sign-in. {@code minPasswordLength}:
     * the shortest password anyone may choose. After {@code signInFailuresPerUser} failed sign-ins to one
     * account, or {@code signInFailuresPerAddress} from one address, within {@code signInWindow}, sign-in
     * waits until the oldest failure is older than the window. {@code sessionTimeout}: a browser session
     * ends after this long without a request.
     */
    public record Security(
            String adminPassword,
            @Min(8) @Max(64) int minPasswordLength,
            @Min(1) int signInFailuresPerUser,
            @Min(1) int signInFailuresPerAddress,
            @NotNull Duration signInWindow,
            @NotNull Duration sessionTimeout) {

        @ConstructorBinding
        public Security {
        }

        /** The sign-in defaults with the given first admin password (for tests that build settings by hand). */
        public Security(String adminPassword) {
            this(adminPassword, 10, 5, 20, Duration.ofMinutes(15), Duration.ofHours(8));
        }
    }
}
