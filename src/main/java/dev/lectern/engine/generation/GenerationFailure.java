package dev.lectern.engine.generation;

/**
 * Why the engine could not complete a request, in words a user can act on, with a code a client can
 * branch on. Never an OutOfMemoryError or a stack trace: the request fails, the engine goes on.
 */
public final class GenerationFailure extends RuntimeException {

    public enum Code {
        /** The engine's queue is full; try again shortly. */
        QUEUE_FULL,
        /** The KV cache memory stayed full, or the request needs more than its whole budget. */
        KV_MEMORY_FULL,
        /** The prompt leaves no room in the context window. */
        PROMPT_TOO_LONG,
        /** The engine is shutting down or not loaded. */
        ENGINE_STOPPED,
        /** A bug or an unexpected failure inside the engine; the server log has the details. */
        ENGINE_ERROR
    }

    private final Code code;

    public GenerationFailure(Code code, String message) {
        super(message);
        this.code = code;
    }

    public GenerationFailure(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
