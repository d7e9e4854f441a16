package dev.lectern.engine.kv;

/** How cached keys and values are stored: F16 by default; Q8_0 halves memory and bandwidth again. */
public enum KvDataType {
    F16,
    Q8_0
}
