package dev.lectern.inference;

/** Where the app's engine stands. */
public enum EngineState {
    /** No model is configured ({@code lectern.model.path}): uploads still extract, nothing is answered. */
    NOT_CONFIGURED,
    /** The model is being mapped and its weights prepared, in the background. */
    LOADING,
    /** Serving requests. */
    READY,
    /** Loading failed; the status says why. */
    FAILED,
    /** The app is shutting down. */
    STOPPED
}
