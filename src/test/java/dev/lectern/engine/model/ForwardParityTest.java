package dev.lectern.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.kv.PagedKvCache;
import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;

class ForwardParityTest {

    private static final String[] TEXTS = {
        "The committee reviewed the quarterly report and found that revenue had grown in every region except",
        "def parse(line):\n    key, _, value = line.partition('=')\n    return key.strip(), value.strip()\n\nfor",
        "北京是中华人民共和国的首都，也是全国的政治中心和文化中心。这座城市有三千多年的历史，",
        "Q: What is 17 × 23? Let me think step by step. 17 × 20 = 340 and 17 × 3 = 51, so the answer is",
        "<|im_start|>user\nSummarize the attached manual in three bullet points.<|im_end|>\n<|im_start|>assistant\n",
    };

    @TempDir
    Path dir;

    @Test
    void f32LogitsAndGreedyContinuationsMatchLlamaCpp() throws Exception {
        TestModelSpec spec = TestModelSpec.of(ShapePreset.TINY, WeightFormat.F32, 1).withOutputStd(1f);
        Path file = TestModelGenerator.write(dir.resolve("tiny-f32.gguf"), spec,
                Qwen3Vocabulary.load(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY), p -> { }).file();
        try (Qwen3Model model = Qwen3Model.load(file)) {
            List<int[]> prompts = prompts(model, 64);
            LlamaCppLogits llama = LlamaCppLogits.compute(file, prompts, 32, dir);
            Qwen3Forward forward = new Qwen3Forward(model, new ReferenceBackend());
            double worst = 0;
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                try (PagedKvCache cache = new PagedKvCache(model.config().blockCount(), model.config().kvWidth(), 256,
                        KvDataType.F16, PagedKvCache.DEFAULT_BLOCK_SIZE)) {
                    float[] logits = forward.forward(prompt, range(0, prompt.length), cache, new int[] {prompt.length - 1});
                    double[] ours = logSoftmax(logits);
                    double[] theirs = llama.logprobs().get(p);
                    int[] top = topIds(theirs, 100);
                    double difference = 0;
                    for (int id : top) {
                        difference = Math.max(difference, Math.abs(ours[id] - theirs[id]));
                    }
                    worst = Math.max(worst, difference);
                    System.out.printf("f32 prompt %d: max |Δ logprob| over llama.cpp's top 100 = %.2e, top-5 ours %s llama %s%n",
                            p, difference, Arrays.toString(topIds(ours, 5)), Arrays.toString(topIds(theirs, 5)));
                    int[] continued = greedy(forward, cache, argmax(logits), 32);
                    assertThat(continued).as("greedy continuation of prompt %d", p).containsExactly(llama.greedy().get(p));
                }
            }
            assertThat(worst).as("max |Δ logprob| against llama.cpp, f32").isLessThan(1e-2);
        }
    }

    static int[] greedy(Qwen3Forward forward, PagedKvCache cache, int first, int count) {
        int[] tokens = new int[count];
        tokens[0] = first;
        for (int i = 1; i < count; i++) {
            int position = cache.length();
            float[] logits = forward.forward(new int[] {tokens[i - 1]}, new int[] {position}, cache, new int[] {0});
            tokens[i] = argmax(logits);
        }
        return tokens;
    }

    static List<int[]> prompts(Qwen3Model model, int length) {
        List<int[]> prompts = new ArrayList<>();
        for (String text : TEXTS) {
            int[] ids = model.tokenizer().encode(text.repeat(8), true);
            prompts.add(Arrays.copyOf(ids, length));
        }
        return prompts;
    }

    static int[] range(int from, int to) {
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double log = max + Math.log(sum);
        double[] result = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = logits[i] - log;
        }
        return result;
    }

    static int[] topIds(double[] values, int count) {
        Integer[] ids = new Integer[values.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(ids, (a, b) -> Double.compare(values[b], values[a]));
        return Arrays.stream(ids, 0, count).mapToInt(Integer::intValue).toArray();
    }
}
