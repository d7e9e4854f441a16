package dev.lectern.testing;

import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.model.Qwen3Forward;

/** The small steps tests take with a forward pass: positions of a chunk, argmax, greedy decoding. */
public final class ForwardSteps {

    private ForwardSteps() {
    }

    /** Positions from..to-1, as one prefill chunk uses them. */
    public static int[] positions(int from, int to) {
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }

    /** The highest logit's token, the lowest id among ties (as llama.cpp's greedy sampler). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Greedy decoding one token per forward call after a prefill: {@code first} is the argmax of the
     * prefill's last logits; the result holds it and the {@code count - 1} tokens after it.
     */
    public static int[] greedy(Qwen3Forward forward, KvCache cache, int first, int count) {
        int[] tokens = new int[count];
        tokens[0] = first;
        for (int i = 1; i < count; i++) {
            float[] logits = forward.forward(new int[] {tokens[i - 1]}, new int[] {cache.length()}, cache, new int[] {0});
            tokens[i] = argmax(logits);
        }
        return tokens;
    }
}
