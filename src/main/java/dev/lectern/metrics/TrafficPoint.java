package dev.lectern.metrics;

/**
 * One second of traffic: when (epoch seconds), tokens generated per second, time to first token (seconds,
 * median and 95th percentile of the requests that finished in the minute before; null when none did),
 * requests waiting and running, and the share of prompt tokens the prefix cache held over the minute before
 * (null when none were looked up).
 */
public record TrafficPoint(long time, double tokensPerSecond, Double ttftP50, Double ttftP95, int waiting, int running,
                           Double prefixHitRate) {
}
