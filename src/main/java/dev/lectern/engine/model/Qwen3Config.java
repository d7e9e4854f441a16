package dev.lectern.engine.model;

import java.util.List;
import java.util.Optional;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufMetadata;
import dev.lectern.engine.gguf.GgufTensorInfo;

/**
 * The shape and numerics of a Qwen3 model, read from its GGUF metadata ({@code qwen3.*} keys, as
 * llama.cpp's converter writes them). Query heads may be wider than the embedding
 * ({@code headCount * keyLength != embeddingLength}, as in Qwen3-4B), so nothing here derives one
 * from the other unless the file leaves the key out.
 */
public record Qwen3Config(
        int blockCount,
        int embeddingLength,
        int feedForwardLength,
        int headCount,
        int headCountKv,
        int keyLength,
        int valueLength,
        float ropeFreqBase,
        float rmsNormEpsilon,
        int contextLength,
        RopeScaling ropeScaling,
        int vocabularySize,
        boolean tiedEmbeddings) {

    public static final String ARCHITECTURE = "qwen3";
    static final String TOKEN_EMBEDDING = "token_embd.weight";
    static final String OUTPUT = "output.weight";
    /** llama.cpp's default when a file has no rope base; every Qwen3 file we know of sets one. */
    private static final float DEFAULT_ROPE_BASE = 10_000f;

    public Qwen3Config {
        if (headCountKv <= 0 || headCount % headCountKv != 0) {
            throw new IllegalArgumentException("attention.head_count " + headCount
                    + " is not a multiple of attention.head_count_kv " + headCountKv);
        }
    }

    /**
     * Reads the configuration, or explains why the file cannot be run: another architecture, a missing
     * key (named), or values that do not fit together (the token list against the embedding table).
     */
    public static Qwen3Config from(GgufFile file) {
        GgufMetadata metadata = file.metadata();
        String architecture = metadata.findString("general.architecture").orElse("(none)");
        if (!ARCHITECTURE.equals(architecture)) {
            throw new UnsupportedModelException(file.path(), "general.architecture is '" + architecture
                    + "'; Lectern runs Qwen3 models (architecture 'qwen3') only");
        }
        int embedding = positive(file, metadata, "embedding_length");
        int heads = positive(file, metadata, "attention.head_count");
        int kvHeads = metadata.findInt(key("attention.head_count_kv")).orElse(heads);
        int keyLength = metadata.findInt(key("attention.key_length")).orElse(embedding / heads);
        int valueLength = metadata.findInt(key("attention.value_length")).orElse(keyLength);
        GgufTensorInfo tokenEmbedding = file.findTensor(TOKEN_EMBEDDING).orElseThrow(() ->
                new UnsupportedModelException(file.path(), "the tensor " + TOKEN_EMBEDDING + " is missing"));
        int vocabulary = Math.toIntExact(tokenEmbedding.rowCount());
        Optional<List<String>> tokens = metadata.findStringArray("tokenizer.ggml.tokens");
        if (tokens.isPresent() && tokens.get().size() != vocabulary) {
            throw new UnsupportedModelException(file.path(), "tokenizer.ggml.tokens has " + tokens.get().size()
                    + " entries but " + TOKEN_EMBEDDING + " has " + vocabulary + " rows");
        }
        if (tokenEmbedding.rowLength() != embedding) {
            throw new UnsupportedModelException(file.path(), TOKEN_EMBEDDING + " rows hold "
                    + tokenEmbedding.rowLength() + " values but " + key("embedding_length") + " is " + embedding);
        }
        try {
            return new Qwen3Config(
                    positive(file, metadata, "block_count"),
                    embedding,
                    positive(file, metadata, "feed_forward_length"),
                    heads, kvHeads, keyLength, valueLength,
                    metadata.findFloat(key("rope.freq_base")).orElse(DEFAULT_ROPE_BASE),
                    metadata.requireFloat(key("attention.layer_norm_rms_epsilon")),
                    positive(file, metadata, "context_length"),
                    ropeScaling(metadata),
                    vocabulary,
                    file.findTensor(OUTPUT).isEmpty());
        } catch (IllegalArgumentException inconsistent) {
            throw new UnsupportedModelException(file.path(), inconsistent.getMessage());
        }
    }

    /** Query heads that share one key/value head (grouped-query attention). */
    public int queryGroupSize() {
        return headCount / headCountKv;
    }

    /** Width of the concatenated query heads, the input width of the attention output projection. */
    public int queryWidth() {
        return headCount * keyLength;
    }

    /** Width of the keys (and, for Qwen3, values) of one token in one layer. */
    public int kvWidth() {
        return headCountKv * keyLength;
    }

    /** Bytes of KV cache one token takes across all layers, at the given bytes per element (2 for F16). */
    public long kvBytesPerToken(int bytesPerElement) {
        return (long) blockCount * headCountKv * (keyLength + valueLength) * bytesPerElement;
    }

    private static RopeScaling ropeScaling(GgufMetadata metadata) {
        Optional<String> type = metadata.findString(key("rope.scaling.type"));
        if (type.isEmpty()) {
            return RopeScaling.NONE;
        }
        RopeScaling.Kind kind = RopeScaling.kindOf(type.get());
        if (kind == RopeScaling.Kind.NONE) {
            return RopeScaling.NONE;
        }
        return new RopeScaling(kind,
                metadata.findFloat(key("rope.scaling.factor")).orElse(1f),
                metadata.findInt(key("rope.scaling.original_context_length")).orElse(0));
    }

    private static int positive(GgufFile file, GgufMetadata metadata, String name) {
        int value = metadata.requireInt(key(name));
        if (value <= 0) {
            throw new UnsupportedModelException(file.path(), key(name) + " is " + value + "; it must be positive");
        }
        return value;
    }

    private static String key(String name) {
        return ARCHITECTURE + "." + name;
    }
}
