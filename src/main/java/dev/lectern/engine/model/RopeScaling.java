package dev.lectern.engine.model;

import java.util.Locale;

/**
 * Context extension of the rotary embedding as a GGUF records it ({@code qwen3.rope.scaling.*}): Qwen3
 * reaches 131k tokens with YaRN over its 32k (or, for 2507, 262k) training context.
 */
public record RopeScaling(Kind kind, float factor, int originalContextLength) {

    public enum Kind { NONE, LINEAR, YARN }

    public static final RopeScaling NONE = new RopeScaling(Kind.NONE, 1f, 0);

    static Kind kindOf(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none", "" -> Kind.NONE;
            case "linear" -> Kind.LINEAR;
            case "yarn" -> Kind.YARN;
            default -> throw new IllegalArgumentException("unknown rope scaling type '" + name + "'");
        };
    }
}
