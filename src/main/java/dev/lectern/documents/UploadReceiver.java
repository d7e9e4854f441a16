package dev.lectern.documents;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * Streams one upload into a new file, hashing and counting exactly the bytes it writes, in order.
 *
 * <p>Why not {@code DataBufferUtils.write}: that writes each Netty buffer with an asynchronous file
 * channel and asks for the next one from the channel's completion thread. The request then drains the
 * multipart pipeline (Spring's parser, the part window) on that thread while the connection's event loop
 * goes on parsing and slicing the same socket buffers: uploads lost a buffer's worth of bytes or met a
 * buffer already freed ({@code refCnt: 0}), and an upload over the limit cancelled the parser from that
 * thread mid-part, which released buffers twice and leaked others. So here:
 * <ul>
 * <li>every signal to the request body (request, cancel) runs on {@code upstream}, the connection's event
 *     loop, so the parser, the window and this subscriber's {@link #hookOnNext} only ever run there;</li>
 * <li>a buffer is copied into a chunk of its own and released in the same {@code onNext} call: released
 *     exactly once, on the thread it came from, and no Netty memory is read anywhere else;</li>
 * <li>one writer worker (tasks run one at a time, in the order given) hashes each chunk and writes it,
 *     then asks for one more buffer: at most {@link #IN_FLIGHT} chunks are held, whatever the disk speed;</li>
 * <li>past the limit nothing more is written and the rest of the body is read and dropped, so the part
 *     ends normally and the client reads the 413; the parser is cancelled only when a client goes on
 *     {@link #DRAIN_PAST_LIMIT} bytes beyond the limit.</li>
 * </ul>
 * Every way out (done, over the limit, write failure, the client gone, the caller cancelling) closes the
 * file, and all but done delete it.
 */
final class UploadReceiver extends BaseSubscriber<DataBuffer> {

    /** Chunks copied but not yet written; each is one network buffer (typically 8-16 KB). */
    static final int IN_FLIGHT = 16;

    /** Bytes past the limit read and dropped before giving up on a client that does not stop sending. */
    static final long DRAIN_PAST_LIMIT = 32L * 1024 * 1024;

    private final Path target;
    private final long limit;
    private final Executor upstream;
    private final MonoSink<DocumentStore.Received> sink;
    private final Supplier<? extends RuntimeException> tooLarge;
    private final Scheduler.Worker writer;
    private final AtomicBoolean finished = new AtomicBoolean();

    /** Bytes that arrived, on the event loop (read by the writer only after the body ended). */
    private long received;

    // The writer's own state: only writer tasks touch it, one at a time.
    private final MessageDigest sha256 = newSha256();
    private FileChannel channel;
    private long written;
    private IOException writeFailure;

    private UploadReceiver(Path target, long limit, Executor upstream, Scheduler writers,
            MonoSink<DocumentStore.Received> sink, Supplier<? extends RuntimeException> tooLarge) {
        this.target = target;
        this.writer = writers.createWorker();
        this.limit = limit;
        this.upstream = upstream;
        this.sink = sink;
        this.tooLarge = tooLarge;
    }

    /**
     * The file {@code target} (created new) with the content's bytes, or the error: {@code tooLarge}'s
     * when the content passes {@code limit} bytes. {@code upstream} runs the signals to the content;
     * a worker of {@code writers} (its tasks one at a time, in order) hashes and writes, and is disposed when the
     * upload ends.
     */
    static Mono<DocumentStore.Received> receive(Flux<DataBuffer> content, Path target, long limit, Executor upstream,
            Scheduler writers, Supplier<? extends RuntimeException> tooLarge) {
        return Mono.create(sink -> {
            UploadReceiver receiver = new UploadReceiver(target, limit, upstream, writers, sink, tooLarge);
            sink.onCancel(receiver::abandon);
            content.subscribe(receiver);
        });
    }

    @Override
    public Context currentContext() {
        // The caller's context reaches the operators upstream, with its hooks that release discarded parts.
        return Context.of(sink.contextView());
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        onWriter(this::open);
        onUpstream(() -> request(IN_FLIGHT));
    }

    @Override
    protected void hookOnNext(DataBuffer buffer) {
        byte[] chunk = null;
        try {
            if (finished.get()) {
                return;
            }
            received += buffer.readableByteCount();
            if (received > limit + DRAIN_PAST_LIMIT) {
                cancel();
                onWriter(() -> fail(tooLarge.get()));
                return;
            }
            if (received <= limit && buffer.readableByteCount() > 0) {
                chunk = new byte[buffer.readableByteCount()];
                buffer.read(chunk);
            }
        } finally {
            DataBufferUtils.release(buffer);
        }
        if (chunk == null) {
            request(1);
            return;
        }
        byte[] bytes = chunk;
        onWriter(() -> {
            write(bytes);
            onUpstream(() -> request(1));
        });
    }

    @Override
    protected void hookOnComplete() {
        onWriter(this::complete);
    }

    @Override
    protected void hookOnError(Throwable failure) {
        onWriter(() -> fail(failure));
    }

    /** The caller cancelled (the connection closed, or the request was abandoned): stop reading, drop the file. */
    private void abandon() {
        onUpstream(this::cancel);
        onWriter(() -> {
            if (finished.compareAndSet(false, true)) {
                closeAndDelete();
                writer.dispose();
            }
        });
    }

    private void open() {
        try {
            channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            writeFailure = e;
        }
    }

    private void write(byte[] chunk) {
        if (channel == null || writeFailure != null || finished.get()) {
            return;
        }
        try {
            sha256.update(chunk);
            ByteBuffer bytes = ByteBuffer.wrap(chunk);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            written += chunk.length;
        } catch (IOException e) {
            writeFailure = e;
        }
    }

    private void complete() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (received > limit) {
            closeAndDelete();
            sink.error(tooLarge.get());
        } else if (writeFailure != null) {
            closeAndDelete();
            sink.error(new IOException("Could not write the upload to " + target, writeFailure));
        } else {
            try {
                channel.close();
                sink.success(new DocumentStore.Received(target, HexFormat.of().formatHex(sha256.digest()), written));
            } catch (IOException e) {
                closeAndDelete();
                sink.error(new IOException("Could not write the upload to " + target, e));
            }
        }
        writer.dispose();
    }

    private void fail(Throwable failure) {
        if (finished.compareAndSet(false, true)) {
            closeAndDelete();
            sink.error(failure);
            writer.dispose();
        }
    }

    private void closeAndDelete() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // Deleting it is all that is left to do.
        }
        try {
            Files.deleteIfExists(target);
        } catch (IOException ignored) {
            // An orphan in incoming/ wastes space but harms nothing.
        }
    }

    private void onWriter(Runnable task) {
        try {
            writer.schedule(task);
        } catch (RejectedExecutionException finishedAlready) {
            // The writer is disposed only after the upload's outcome was decided: nothing is left to do.
        }
    }

    private void onUpstream(Runnable signal) {
        try {
            upstream.execute(signal);
        } catch (RejectedExecutionException closed) {
            // The connection's event loop is shutting down, and the request body with it.
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every Java runtime has SHA-256", impossible);
        }
    }
}
