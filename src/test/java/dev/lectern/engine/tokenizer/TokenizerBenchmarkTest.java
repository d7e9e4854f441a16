package dev.lectern.engine.tokenizer;

import java.util.Random;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Encoding speed on English prose, one thread. A measurement, not a test: it asserts nothing and runs
 * only when asked, {@code ./mvnw test -Pbench}; the result is
 * printed to target/surefire-reports/dev.lectern.engine.tokenizer.TokenizerBenchmarkTest-output.txt.
 */
@Tag("bench")
class TokenizerBenchmarkTest {

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he I this are or his"
            + " from at which but have an they you were her she there been one all we their has would when if so no will"
            + " more can who out other about what up some time into them only then could its two may these first any"
            + " new like our over also after such most many before must through back years where much your way well"
            + " down should because each just those people how too little state good very make world still own see men"
            + " work long get here between both life being under never day same another know while last might us great"
            + " old year off come since against go came right used take three document model question answer engine"
            + " prefix cache token memory thread kernel matrix vector library reader section chapter report analysis"
            + " however therefore although government development information international experience understanding"
            + " particularly responsibility environmental significantly characteristics implementation").split(" ");

    /** Sentences with capitals, commas, periods, quotes, numbers and paragraphs, from a Zipf-like word choice. */
    static String englishProse(int chars, long seed) {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(chars + 200);
        while (text.length() < chars) {
            int sentenceWords = 6 + random.nextInt(18);
            for (int w = 0; w < sentenceWords; w++) {
                // Squaring a uniform number favours the first, most common words, as real prose does.
                double u = random.nextDouble();
                String word = WORDS[(int) (u * u * WORDS.length)];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                } else {
                    text.append(' ');
                }
                if (random.nextInt(40) == 0) {
                    text.append(random.nextInt(2030)).append(' ');
                }
                text.append(word);
                if (w + 1 < sentenceWords && random.nextInt(9) == 0) {
                    text.append(',');
                }
            }
            text.append(random.nextInt(12) == 0 ? "?" : ".");
            text.append(random.nextInt(6) == 0 ? "\n\n" : " ");
        }
        return text.toString();
    }

    @Test
    void englishProseCharactersPerSecondOnOneThread() {
        BpeTokenizer fresh = RealQwen3Tokenizer.fresh();
        String text = englishProse(4_000_000, 1);

        long start = System.nanoTime();
        int tokens = fresh.encode(text, false).length;
        double coldSeconds = (System.nanoTime() - start) / 1e9;

        for (int i = 0; i < 3; i++) {
            fresh.encode(text, false);
        }
        int runs = 5;
        start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            fresh.encode(text, false);
        }
        double warmSeconds = (System.nanoTime() - start) / 1e9 / runs;

        System.out.printf("tokenizer encode, English prose, %d chars -> %d tokens: first pass %.2f M chars/s,"
                + " warm %.2f M chars/s (%.2f M tokens/s)%n", text.length(), tokens,
                text.length() / coldSeconds / 1e6, text.length() / warmSeconds / 1e6, tokens / warmSeconds / 1e6);
    }

    /** The slow case: many scripts, few repeated pieces, long CJK runs, each piece through BPE at least once. */
    @Test
    void multilingualTextOnAColdCacheCharactersPerSecond() {
        BpeTokenizer fresh = RealQwen3Tokenizer.fresh();
        String text = String.join("\n", MultilingualCorpus.generated(99, 2_000_000));

        long start = System.nanoTime();
        int tokens = fresh.encode(text, true).length;
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("tokenizer encode, multilingual, %d chars -> %d tokens, first pass: %.2f M chars/s%n",
                text.length(), tokens, text.length() / seconds / 1e6);
    }
}
