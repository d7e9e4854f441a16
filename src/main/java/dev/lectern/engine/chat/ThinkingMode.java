package dev.lectern.engine.chat;

/**
 * How a Qwen3 model thinks, as told by the chat template in its GGUF file. The original Qwen3 releases
 * are hybrids whose thinking the caller switches; the 2507 releases come as an Instruct model that
 * never thinks and a Thinking model that always does.
 */
public enum ThinkingMode {
    /** Qwen3 (April 2025): thinks unless the prompt ends with an empty think block. */
    HYBRID,
    /** Qwen3-…-Instruct-2507: no think blocks at all. */
    NEVER,
    /** Qwen3-…-Thinking-2507: the template opens the think block itself. */
    ALWAYS
}
