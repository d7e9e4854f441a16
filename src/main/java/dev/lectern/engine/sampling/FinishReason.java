package dev.lectern.engine.sampling;

/** Why a sequence stopped generating; reported to the client with the final statistics. */
public enum FinishReason {
    /** The model produced one of the stop tokens (for Qwen3: {@code <|im_end|>} or {@code <|endoftext|>}). */
    STOP_TOKEN,
    /** The decoded text reached one of the request's stop strings. */
    STOP_STRING,
    /** The request's token limit was reached before the model finished. */
    MAX_TOKENS,
    /** The client asked to stop (stop button, closed socket). */
    CANCELLED
}
