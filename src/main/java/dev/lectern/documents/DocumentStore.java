package dev.lectern.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Uploaded files on disk, content-addressed: {@code <data-dir>/documents/<sha256>}, so the same bytes
 * are stored once however many owners upload them. An upload streams into
 * {@code documents/incoming/} (same file system, so the final move is atomic) while its sha256 and size
 * are computed; it is never held in memory whole, and nothing past the limit is written.
 * Placing and removing a stored file happen under a lock per sha256, so a delete cannot remove a file
 * that a concurrent upload of the same bytes is about to reference.
 */
@Component
class DocumentStore {

    /** A finished upload, still in the incoming directory until {@link #keep} moves it into place. */
    record Received(Path incomingFile, String sha256, long sizeBytes) {
    }

    /**
     * What a multipart body may carry besides the file (boundaries, part headers, a long filename): a
     * body declared larger than the limit by more than this cannot hold a file within it.
     */
    static final long MULTIPART_ENVELOPE = 64 * 1024;

    private final Path directory;
    private final Path incoming;
    private final DataSize maxUpload;
    private final ReentrantLock[] locks = new ReentrantLock[64];
    private final BlockingWork blocking;

    DocumentStore(LecternProperties properties, BlockingWork blocking) throws IOException {
        this.blocking = blocking;
        this.directory = properties.dataDir().resolve("documents").toAbsolutePath().normalize();
        this.incoming = Files.createDirectories(directory.resolve("incoming"));
        this.maxUpload = properties.documents().maxUpload();
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    Path pathOf(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return directory.resolve(sha256);
    }

    /**
     * Writes the stream to a new incoming file, hashing and counting the bytes written (see
     * {@link UploadReceiver} for how, and why not {@code DataBufferUtils.write}). Errors with a 413
     * {@link DocumentProblem} when the stream passes the limit, leaving no file behind. {@code upstream}
     * runs every signal sent to {@code content}: the connection's event loop.
     */
    Mono<Received> receive(Flux<DataBuffer> content, Executor upstream) {
        Path target = incoming.resolve(UUID.randomUUID() + ".part");
        return UploadReceiver.receive(content, target, maxUpload.toBytes(), upstream, blocking.scheduler(), this::tooLarge);
    }

    /**
     * Moves a received file to its content address (or drops it when those bytes are already stored),
     * then runs {@code reference} (the database insert) under the same lock. Blocking.
     */
    <T> T keep(Received received, Supplier<T> reference) {
        ReentrantLock lock = lockFor(received.sha256());
        lock.lock();
        try {
            Path stored = pathOf(received.sha256());
            if (Files.exists(stored)) {
                deleteQuietly(received.incomingFile());
            } else {
                try {
                    Files.move(received.incomingFile(), stored, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException raced) {
                    deleteQuietly(received.incomingFile());
                }
            }
            return reference.get();
        } catch (IOException e) {
            deleteQuietly(received.incomingFile());
            throw new UncheckedIOException("Could not store the upload under " + directory, e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code unreference} (the row delete); then removes the file if {@code stillReferenced} says no one needs it. Blocking. */
    boolean release(String sha256, Supplier<Boolean> unreference, Supplier<Boolean> stillReferenced) {
        ReentrantLock lock = lockFor(sha256);
        lock.lock();
        try {
            boolean removed = unreference.get();
            if (removed && !stillReferenced.get()) {
                deleteQuietly(pathOf(sha256));
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    void discard(Received received) {
        deleteQuietly(received.incomingFile());
    }

    /**
     * Whether a request body of {@code contentLength} bytes (-1: not declared, as in a chunked upload)
     * must hold a file over the limit: more than the limit plus {@link #MULTIPART_ENVELOPE}.
     */
    boolean declaredTooLarge(long contentLength) {
        return contentLength > maxUpload.toBytes() + MULTIPART_ENVELOPE;
    }

    DocumentProblem tooLarge() {
        return new DocumentProblem(HttpStatus.CONTENT_TOO_LARGE, "TOO_LARGE", "The file is larger than the "
                + maxUpload.toMegabytes() + " MB upload limit (lectern.documents.max-upload); nothing was stored. "
                + "Split the document or ask the administrator to raise the limit.");
    }

    private ReentrantLock lockFor(String sha256) {
        return locks[Math.floorMod(sha256.hashCode(), locks.length)];
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // An orphan in incoming/ or an unreferenced stored file wastes space but harms nothing.
        }
    }
}
