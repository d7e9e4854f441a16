package dev.lectern.inference;

/**
 * No model is loaded to answer with: none is configured, it is still loading, or loading failed. The
 * message says which and what to do.
 */
public final class EngineUnavailableException extends RuntimeException {

    public EngineUnavailableException(String message) {
        super(message);
    }
}
