package dev.lectern.cli;

/**
 * One test of {@code lectern bench}, in llama-bench's terms: {@code ppN} encodes N prompt tokens after a
 * D-token prompt already cached (llama-bench's {@code -d}; usually D = 0, an empty KV cache); {@code tgN} at
 * depth D generates N tokens one at a time after a D-token prompt, in each
 * of {@code concurrent} sequences decoding together.
 */
record BenchTest(Kind kind, int tokens, int depth, int concurrent) {

    enum Kind { PREFILL, DECODE }

    BenchTest {
        if (tokens < 1) {
            throw new IllegalArgumentException("a test needs at least one token, got " + tokens);
        }
        if (depth < 0) {
            throw new IllegalArgumentException("depth " + depth + " is not valid for " + kind);
        }
        if (concurrent < 1 || (kind == Kind.PREFILL && concurrent != 1)) {
            throw new IllegalArgumentException(concurrent + " concurrent sequences is not valid for " + kind);
        }
    }

    static BenchTest prefill(int tokens) {
        return prefill(tokens, 0);
    }

    static BenchTest prefill(int tokens, int depth) {
        return new BenchTest(Kind.PREFILL, tokens, depth, 1);
    }

    static BenchTest decode(int tokens, int depth) {
        return decode(tokens, depth, 1);
    }

    static BenchTest decode(int tokens, int depth, int concurrent) {
        return new BenchTest(Kind.DECODE, tokens, depth, concurrent);
    }

    /** llama-bench's name: pp512, tg128. */
    String name() {
        return (kind == Kind.PREFILL ? "pp" : "tg") + tokens;
    }

    /** Tokens one repetition produces over all its sequences. */
    int totalTokens() {
        return tokens * concurrent;
    }

    /**
     * Context positions one sequence of the test needs: the prompt, or the depth, the arbitrary first input
     * and the generated tokens (the last of which needs no position, but the context keeps room for it).
     */
    int positions() {
        return kind == Kind.PREFILL ? depth + tokens + 1 : depth + tokens + 1;
    }
}
