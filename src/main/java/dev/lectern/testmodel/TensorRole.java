package dev.lectern.testmodel;

/** What a tensor of a Qwen3 model is for; the weight format may choose its type by it. */
public enum TensorRole {
    TOKEN_EMBEDDING,
    /** output.weight, or the token embedding when it doubles as the output head (tied). */
    OUTPUT_HEAD,
    NORM,
    ATTENTION_QUERY,
    ATTENTION_KEY,
    ATTENTION_VALUE,
    ATTENTION_OUTPUT,
    FEED_FORWARD_GATE,
    FEED_FORWARD_UP,
    FEED_FORWARD_DOWN
}
