package dev.lectern.admin;

import dev.lectern.inference.EngineStatus;

/**
 * The model panel: the engine's state (and why it does not serve, if it does not), the file, its
 * architecture and shapes, weight types, the context length in use, the backend and its threads, and how
 * the KV cache stores keys and values.
 */
public record ModelPanel(String state, String message, String file, long fileBytes, String architecture,
                         EngineStatus.ModelShape shape, int contextLength, String backend, String kernels, int threads,
                         String kvType, Long kvBudgetBytes, String kvBudgetExplanation, double loadSeconds) {
}
