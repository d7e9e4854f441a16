package dev.lectern.engine.kv;

/**
 * The KV block pool has no free block for a sequence that must grow. Callers that can wait (the
 * scheduler) check {@link KvBlockPool#freeBlocks()} or {@link KvSequence#reserve} first and never see it.
 */
public final class KvMemoryExhaustedException extends RuntimeException {

    public KvMemoryExhaustedException(String message) {
        super(message);
    }
}
