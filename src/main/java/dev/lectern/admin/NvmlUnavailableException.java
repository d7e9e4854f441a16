package dev.lectern.admin;

/** Why NVML cannot be used here: no NVIDIA driver (the usual case on a CPU machine), or it failed to start. */
public class NvmlUnavailableException extends Exception {

    public NvmlUnavailableException(String message) {
        super(message);
    }
}
