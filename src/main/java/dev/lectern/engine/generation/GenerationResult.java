package dev.lectern.engine.generation;

/** The text shown to the user, the token ids generated (stop token included), and the costs. */
public record GenerationResult(String text, int[] tokens, GenerationStats stats) {
}
