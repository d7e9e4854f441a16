package dev.lectern.testmodel;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Qwen3 shapes the generator can write. {@code tiny} is for fast tests; {@code small} has rows of 256
 * so K-quant types are really used (tiny's rows of 64 do not hold a 256-element super-block, and fall
 * back as llama.cpp's quantizer does); the real shapes are for benchmarks, where speed does not depend
 * on the weight values.
 */
public enum ShapePreset {
    TINY("tiny", 2, 64, 4, 2, 16, 128, false),
    SMALL("small", 4, 256, 4, 2, 64, 768, false),
    QWEN3_0_6B("qwen3-0.6b", 28, 1024, 16, 8, 128, 3072, true),
    QWEN3_4B("qwen3-4b", 36, 2560, 32, 8, 128, 9728, true);

    /** Qwen3's published training context; llama.cpp reads it as the model's maximum. */
    public static final int CONTEXT_LENGTH = 40960;
    public static final float ROPE_FREQ_BASE = 1_000_000f;
    public static final float RMS_NORM_EPSILON = 1e-6f;

    private final String cliName;
    private final int layers;
    private final int hidden;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int feedForward;
    private final boolean tiedEmbeddings;

    ShapePreset(String cliName, int layers, int hidden, int heads, int kvHeads, int headDim, int feedForward,
                boolean tiedEmbeddings) {
        this.cliName = cliName;
        this.layers = layers;
        this.hidden = hidden;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.feedForward = feedForward;
        this.tiedEmbeddings = tiedEmbeddings;
    }

    public static ShapePreset fromCliName(String name) {
        return Arrays.stream(values())
                .filter(preset -> preset.cliName.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown shape '" + name + "'; choose one of "
                        + Arrays.stream(values()).map(ShapePreset::cliName).collect(Collectors.joining(", "))));
    }

    public String cliName() {
        return cliName;
    }

    public int layers() {
        return layers;
    }

    public int hidden() {
        return hidden;
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int feedForward() {
        return feedForward;
    }

    public boolean tiedEmbeddings() {
        return tiedEmbeddings;
    }
}
