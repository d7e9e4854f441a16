package dev.lectern.admin;

/**
 * One GPU as NVML reports it: index, name, utilization (compute and memory controller, percent), memory
 * used and total (bytes), temperature (°C) and power draw and limit (watts). A reading the GPU or its
 * driver does not support is null.
 */
public record GpuStats(int index, String name, Integer utilizationPercent, Integer memoryUtilizationPercent,
                       Long memoryUsedBytes, Long memoryTotalBytes, Integer temperatureCelsius, Double powerWatts,
                       Double powerLimitWatts) {
}
