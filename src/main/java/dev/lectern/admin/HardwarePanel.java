package dev.lectern.admin;

import java.util.List;

/**
 * The hardware panel: the GPUs NVML reports (empty without an NVIDIA driver, with {@code gpuNote} saying
 * why), and the CPU, always.
 */
public record HardwarePanel(List<GpuStats> gpus, String gpuNote, CpuStats cpu) {
}
