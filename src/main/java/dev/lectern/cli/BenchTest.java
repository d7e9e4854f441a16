package dev.lectern.cli;

/**
 * One test of {@code lectern bench}, in llama-bench's terms: {@code ppN} encodes N prompt tokens after a
 * D-token prompt (llama-bench's {@code -d}; usually D = 0, an empty KV cache); {@code tgN} at depth D
 * generates N tokens one at a time after a D-token prompt.
 */
record BenchTest(Kind kind, int tokens, int depth) {

    enum Kind { PREFILL, DECODE }

    BenchTest {
        if (tokens < 1) {
            throw new IllegalArgumentException("a test needs at least one token, got " + tokens);
        }
        if (depth < 0) {
            throw new IllegalArgumentException("depth " + depth + " is not valid for " + kind);
        }
    }

    static BenchTest prefill(int tokens) {
        return new BenchTest(Kind.PREFILL, tokens, 0);
    }

    static BenchTest prefill(int tokens, int depth) {
        return new BenchTest(Kind.PREFILL, tokens, depth);
    }

    static BenchTest decode(int tokens, int depth) {
        return new BenchTest(Kind.DECODE, tokens, depth);
    }

    /** llama-bench's name: pp512, tg128. */
    String name() {
        return (kind == Kind.PREFILL ? "pp" : "tg") + tokens;
    }

    /** Positions of the KV cache the test fills. */
    int positions() {
        return depth + tokens;
    }
}
