package dev.lectern.testmodel;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.lectern.engine.tensor.WeightTensors;

/**
 * Writes a tensor's seeded random values, quantized, a chunk of rows at a time. The values come from one
 * random stream per tensor and must be drawn in order, but drawing is cheap; quantizing (the K-quants'
 * scale search) is what takes minutes. So the caller's thread draws each chunk's values and hands the
 * chunk to a worker, and writes the quantized chunks in the order they were drawn. Since every row is
 * quantized on its own, the bytes are the same whatever the number of threads or the chunk size.
 *
 * <p>The quantizers are static functions of their arguments, so several threads may run them at once on
 * separate buffers.
 */
final class RandomRowWriter implements AutoCloseable {

    /** Quantized bytes per chunk: small enough that a tensor splits into many chunks to share out. */
    static final int DEFAULT_CHUNK_BYTES = 256 << 10;

    private final ExecutorService workers;
    /** Chunks in flight at most: enough to keep every worker busy while the caller draws and writes. */
    private final int window;
    private final int chunkBytes;

    /**
     * @param threads    threads that quantize; 1 quantizes on the caller's thread
     * @param chunkBytes quantized bytes per chunk (at least one row is always taken)
     */
    RandomRowWriter(int threads, int chunkBytes) {
        if (threads < 1 || chunkBytes < 1) {
            throw new IllegalArgumentException("threads and chunk size must be positive, got " + threads + " and "
                    + chunkBytes);
        }
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "test-model-quantizer");
            thread.setDaemon(true);
            return thread;
        });
        this.window = 2 * threads;
        this.chunkBytes = chunkBytes;
    }

    /**
     * Draws the tensor's values row by row and streams them quantized. Each tensor has its own random
     * stream derived from the seed and its name, so its values do not depend on the other tensors.
     */
    void write(WritableByteChannel out, PlannedTensor tensor, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ tensor.name().hashCode());
        long rowBytes = tensor.type().rowBytes(tensor.columns());
        int rowsPerChunk = (int) Math.max(1, Math.min(tensor.rows(), chunkBytes / rowBytes));
        float mean = tensor.isNorm() ? 1f : 0f;
        ArrayDeque<Future<ByteBuffer>> inFlight = new ArrayDeque<>();
        int chunk = 0;
        for (int row = 0; row < tensor.rows(); row += rowsPerChunk, chunk++) {
            int rows = Math.min(rowsPerChunk, tensor.rows() - row);
            float[] values = new float[rows * tensor.columns()];
            for (int i = 0; i < values.length; i++) {
                values[i] = mean + (float) random.nextGaussian() * tensor.standardDeviation();
            }
            byte[] quantized = new byte[Math.toIntExact(rowBytes * rows)];
            Runnable quantize = () -> WeightTensors.quantize(tensor.type(), values, 0, values.length,
                    MemorySegment.ofArray(quantized), 0);
            if (workers == null) {
                quantize.run();
                writeFully(out, ByteBuffer.wrap(quantized));
                continue;
            }
            inFlight.add(workers.submit(quantize, ByteBuffer.wrap(quantized)));
            if (inFlight.size() >= window) {
                writeFully(out, await(inFlight.poll()));
            }
        }
        while (!inFlight.isEmpty()) {
            writeFully(out, await(inFlight.poll()));
        }
    }

    private static ByteBuffer await(Future<ByteBuffer> chunk) throws IOException {
        try {
            return chunk.get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while quantizing");
        } catch (ExecutionException failed) {
            // Quantizing is a Runnable: only unchecked failures come back from it.
            switch (failed.getCause()) {
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IllegalStateException(failed.getCause());
            }
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
