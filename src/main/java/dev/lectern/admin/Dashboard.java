package dev.lectern.admin;

import java.util.List;

import dev.lectern.metrics.TrafficPoint;

/**
 * Everything the admin page shows at one moment, pushed to it every second: the newest traffic point (the
 * page keeps the hour of them), the cache, the KV pool, the hardware, the model and the users.
 */
public record Dashboard(long time, TrafficPoint traffic, CachePanel cache, KvPanel kv, HardwarePanel hardware,
                        ModelPanel model, List<UserRow> users) {
}
