package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    private final BpeTokenizer qwen3 = RealQwen3Tokenizer.tokenizer();

    /** The single-byte token for one byte value. */
    private int byteToken(int b) {
        return qwen3.vocabulary().id(String.valueOf(ByteLevel.charOf(b))).orElseThrow();
    }

    @Test
    void aCharacterSplitOverSeveralTokensComesOutWhenItsLastByteArrives() {
        StreamingDecoder decoder = qwen3.streamingDecoder();
        byte[] clef = "𝄞".getBytes(StandardCharsets.UTF_8);
        assertThat(clef).hasSize(4);
        assertThat(decoder.accept(byteToken('a'))).isEqualTo("a");
        assertThat(decoder.accept(byteToken(clef[0] & 0xFF))).isEmpty();
        assertThat(decoder.accept(byteToken(clef[1] & 0xFF))).isEmpty();
        assertThat(decoder.hasPending()).isTrue();
        assertThat(decoder.accept(byteToken(clef[2] & 0xFF))).isEmpty();
        assertThat(decoder.accept(byteToken(clef[3] & 0xFF))).isEqualTo("𝄞");
        assertThat(decoder.hasPending()).isFalse();
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void aTokenCompletingOneCharacterAndStartingAnotherReleasesOnlyTheFirst() {
        StreamingDecoder decoder = qwen3.streamingDecoder();
        byte[] two = "中文".getBytes(StandardCharsets.UTF_8);
        assertThat(decoder.accept(byteToken(two[0] & 0xFF))).isEmpty();
        assertThat(decoder.accept(byteToken(two[1] & 0xFF))).isEmpty();
        // A merged token holding the last byte of 中 and the first of 文 would behave the same; bytes suffice.
        assertThat(decoder.accept(byteToken(two[2] & 0xFF))).isEqualTo("中");
        assertThat(decoder.accept(byteToken(two[3] & 0xFF))).isEmpty();
        assertThat(decoder.accept(byteToken(two[4] & 0xFF))).isEmpty();
        assertThat(decoder.accept(byteToken(two[5] & 0xFF))).isEqualTo("文");
    }

    @Test
    void streamedTextEqualsTheWholeTextAndNoChunkEndsInsideACharacter() {
        List<String> texts = new ArrayList<>(MultilingualCorpus.SAMPLES);
        texts.addAll(MultilingualCorpus.generated(11, 30_000));
        int multiByteTokens = 0;
        for (String text : texts) {
            StreamingDecoder decoder = qwen3.streamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : qwen3.encode(text, true)) {
                String chunk = decoder.accept(id);
                if (chunk.isEmpty()) {
                    multiByteTokens++;
                }
                assertThat(chunk).doesNotContain("\uFFFD");
                if (!chunk.isEmpty()) {
                    assertThat(Character.isHighSurrogate(chunk.charAt(chunk.length() - 1))).isFalse();
                }
                streamed.append(chunk);
            }
            streamed.append(decoder.flush());
            assertThat(streamed.toString()).isEqualTo(text);
        }
        assertThat(multiByteTokens).as("the corpus has tokens that end inside a character").isGreaterThan(10);
    }

    @Test
    void anUnfinishedCharacterAtTheEndFlushesAsOneReplacementCharacter() {
        StreamingDecoder decoder = qwen3.streamingDecoder();
        assertThat(decoder.accept(byteToken(0xF0))).isEmpty();
        assertThat(decoder.accept(byteToken(0x9D))).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.hasPending()).isFalse();
    }

    @Test
    void bytesThatCanNeverBeACharacterAreNotHeldBack() {
        StreamingDecoder decoder = qwen3.streamingDecoder();
        assertThat(decoder.accept(byteToken(0xFF))).isEqualTo("\uFFFD");
        assertThat(decoder.accept(byteToken(0x80))).isEqualTo("\uFFFD");
        assertThat(decoder.accept(byteToken('z'))).isEqualTo("z");
    }

    @Test
    void specialTokensStreamAsTheirText() {
        StreamingDecoder decoder = qwen3.streamingDecoder();
        assertThat(decoder.accept(151645)).isEqualTo("<|im_end|>");
    }
}
