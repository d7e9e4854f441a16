package dev.lectern.inference;

/** The engine has loaded its model and serves (at start-up, or after a restart of the engine). */
public record EngineReady(String modelFile) {
}
