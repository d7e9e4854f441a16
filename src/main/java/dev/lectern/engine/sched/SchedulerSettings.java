package dev.lectern.engine.sched;

import java.time.Duration;
import java.util.Objects;

/**
 * How the scheduler shares the engine.
 *
 * @param contextLength            positions one sequence may hold: prompt and answer
 * @param maxRunning               sequences in the batch at once; more wait in the queue
 * @param maxQueued                requests waiting for a place in the batch; more are refused at once
 * @param prefillChunk             prompt tokens encoded per step while nobody is decoding (throughput)
 * @param prefillChunkWithDecoders the most prompt tokens per step while others stream answers
 * @param decodeGapFactor          while others stream, a step that also encodes prompt tokens may take this
 *                                 many times as long as a step that only decodes: a step's time is what
 *                                 every reader waits between two tokens, so this bounds what someone else's
 *                                 upload costs them (the scheduler measures both and sizes its chunks)
 * @param kvWaitTimeout            how long a sequence may wait for KV memory before it fails with
 *                                 "KV memory full"
 */
public record SchedulerSettings(int contextLength, int maxRunning, int maxQueued, int prefillChunk,
                                int prefillChunkWithDecoders, double decodeGapFactor, Duration kvWaitTimeout) {

    public static final int DEFAULT_MAX_RUNNING = 16;
    public static final int DEFAULT_MAX_QUEUED = 256;
    public static final int DEFAULT_PREFILL_CHUNK = 256;
    public static final int DEFAULT_PREFILL_CHUNK_WITH_DECODERS = 64;
    public static final double DEFAULT_DECODE_GAP_FACTOR = 2.0;
    public static final Duration DEFAULT_KV_WAIT_TIMEOUT = Duration.ofSeconds(60);

    public SchedulerSettings {
        if (contextLength < 2 || maxRunning < 1 || maxQueued < 0 || prefillChunk < 1 || prefillChunkWithDecoders < 1
                || !(decodeGapFactor >= 1)) {
            throw new IllegalArgumentException("scheduler settings out of range: context " + contextLength
                    + ", max running " + maxRunning + ", max queued " + maxQueued + ", prefill chunks "
                    + prefillChunk + "/" + prefillChunkWithDecoders + ", decode gap factor " + decodeGapFactor);
        }
        Objects.requireNonNull(kvWaitTimeout, "kvWaitTimeout");
    }

    /** The defaults for a server, with the given context length. */
    public static SchedulerSettings defaults(int contextLength) {
        return new SchedulerSettings(contextLength, DEFAULT_MAX_RUNNING, DEFAULT_MAX_QUEUED, DEFAULT_PREFILL_CHUNK,
                DEFAULT_PREFILL_CHUNK_WITH_DECODERS, DEFAULT_DECODE_GAP_FACTOR, DEFAULT_KV_WAIT_TIMEOUT);
    }

    public SchedulerSettings withMaxRunning(int value) {
        return new SchedulerSettings(contextLength, value, maxQueued, prefillChunk, prefillChunkWithDecoders,
                decodeGapFactor, kvWaitTimeout);
    }

    public SchedulerSettings withMaxQueued(int value) {
        return new SchedulerSettings(contextLength, maxRunning, value, prefillChunk, prefillChunkWithDecoders,
                decodeGapFactor, kvWaitTimeout);
    }

    public SchedulerSettings withPrefillChunks(int alone, int withDecoders) {
        return new SchedulerSettings(contextLength, maxRunning, maxQueued, alone, withDecoders, decodeGapFactor,
                kvWaitTimeout);
    }

    public SchedulerSettings withDecodeGapFactor(double value) {
        return new SchedulerSettings(contextLength, maxRunning, maxQueued, prefillChunk, prefillChunkWithDecoders,
                value, kvWaitTimeout);
    }

    public SchedulerSettings withKvWaitTimeout(Duration value) {
        return new SchedulerSettings(contextLength, maxRunning, maxQueued, prefillChunk, prefillChunkWithDecoders,
                decodeGapFactor, value);
    }
}
