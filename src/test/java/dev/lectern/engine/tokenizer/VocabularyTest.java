package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class VocabularyTest {

    @Test
    void theRealQwen3VocabularyHas151643BpeTokensThenItsAddedTokensThenPadding() {
        Vocabulary vocabulary = RealQwen3Tokenizer.tokenizer().vocabulary();
        assertThat(vocabulary.size()).as("padded to the embedding rows, as in Qwen3 GGUF files").isEqualTo(151_936);
        assertThat(vocabulary.type(151_643 + 26)).isEqualTo(TokenType.UNUSED);
        assertThat(vocabulary.text(151_935)).isEqualTo("[PAD151935]");
        assertThat(vocabulary.type(151_642)).isEqualTo(TokenType.NORMAL);
        assertThat(vocabulary.text(151_643)).isEqualTo("<|endoftext|>");
        assertThat(vocabulary.id("<|im_start|>")).contains(151_644);
        assertThat(vocabulary.id("<|im_end|>")).contains(151_645);
        assertThat(vocabulary.id("<think>")).contains(151_667);
        assertThat(vocabulary.id("Ġthe")).isPresent();
        assertThat(RealQwen3Tokenizer.vocabulary().merges()).hasSize(151_387);
    }

    @Test
    void addedTokensGetTheTypesLlamaCppsConverterGivesThem() {
        Vocabulary vocabulary = RealQwen3Tokenizer.tokenizer().vocabulary();
        assertThat(vocabulary.type(151_643)).isEqualTo(TokenType.CONTROL);
        assertThat(vocabulary.type(vocabulary.id("<|fim_prefix|>").orElseThrow())).isEqualTo(TokenType.CONTROL);
        assertThat(vocabulary.type(vocabulary.id("<think>").orElseThrow())).isEqualTo(TokenType.USER_DEFINED);
        assertThat(vocabulary.type(vocabulary.id("</tool_call>").orElseThrow())).isEqualTo(TokenType.USER_DEFINED);
    }

    /**
     * llama.cpp's load-time rules on token texts: {@code </s>}, an ordinary token here, becomes a control token
     * and ends generation; a role the file names is not looked up by text; the fill-in-the-middle pad ends
     * generation; a vocabulary built without the rules (tokenizer.json) keeps its types and knows no end.
     */
    @Test
    void loadingAsLlamaCppDoesMarksTokensSpelledLikeAnEndOfGeneration() {
        List<String> tokens = List.of("a", "</s>", "<|im_end|>", "<|fim_pad|>", "<PAD>", "<|endoftext|>", "x</s>");
        int[] types = {1, 1, 3, 3, 1, 3, 1};
        Vocabulary plain = Vocabulary.of(tokens, types);
        assertThat(plain.type(1)).isEqualTo(TokenType.NORMAL);
        assertThat(plain.endOfGeneration()).isEmpty();

        Vocabulary loaded = Vocabulary.asLlamaCppLoads(tokens, types, java.util.Map.of("eos", 5));
        assertThat(loaded.type(1)).isEqualTo(TokenType.CONTROL);
        assertThat(loaded.type(6)).as("only the exact text").isEqualTo(TokenType.NORMAL);
        assertThat(loaded.type(4)).as("<PAD> loses to <|fim_pad|>, the lower id of the same role").isEqualTo(TokenType.NORMAL);
        assertThat(loaded.endOfGeneration()).containsExactlyInAnyOrder(1, 2, 3, 5);

        Vocabulary named = Vocabulary.asLlamaCppLoads(tokens, types, java.util.Map.of("fim_pad", 4));
        assertThat(named.type(4)).as("named by the file: not looked up by text").isEqualTo(TokenType.NORMAL);
        assertThat(named.endOfGeneration()).containsExactlyInAnyOrder(1, 2, 4, 5);
    }

    @Test
    void addedTokensAreControlWhenMarkedSpecialOrSpelledLikeOne() {
        assertThat(TokenType.forAddedToken("<think>", false)).isEqualTo(TokenType.USER_DEFINED);
        assertThat(TokenType.forAddedToken("<think>", true)).isEqualTo(TokenType.CONTROL);
        assertThat(TokenType.forAddedToken("<|fim_pad|>", false)).isEqualTo(TokenType.CONTROL);
    }

    @Test
    void ggufTypeCodesRoundTripAndUnknownCodesAreUndefined() {
        for (TokenType type : TokenType.values()) {
            assertThat(TokenType.fromGgufCode(type.ggufCode())).isEqualTo(type);
        }
        assertThat(TokenType.fromGgufCode(42)).isEqualTo(TokenType.UNDEFINED);
        assertThat(TokenType.CONTROL.ggufCode()).isEqualTo(3);
        assertThat(TokenType.USER_DEFINED.ggufCode()).isEqualTo(4);
    }

    @Test
    void aVocabularyWithoutTypesIsAllNormal() {
        Vocabulary vocabulary = Vocabulary.of(List.of("a", "b"), null);
        assertThat(vocabulary.type(1)).isEqualTo(TokenType.NORMAL);
        assertThat(vocabulary.id("b")).contains(1);
        assertThat(vocabulary.id("c")).isEmpty();
    }

    @Test
    void emptyTokenTextsAreRenamedAsLlamaCppRenamesThem() {
        Vocabulary vocabulary = Vocabulary.of(List.of("a", ""), null);
        assertThat(vocabulary.text(1)).isEqualTo("[EMPTY_1]");
    }

    @Test
    void duplicateTextsAndMismatchedTypeArraysAreRejected() {
        assertThatThrownBy(() -> Vocabulary.of(List.of("a", "b", "a"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokens 0 and 2");
        assertThatThrownBy(() -> Vocabulary.of(List.of("a", "b"), new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 tokens but 1 token types");
    }

    @Test
    void idsOutsideTheTableAreRejected() {
        assertThatThrownBy(() -> Vocabulary.of(List.of("a"), null).text(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 1");
    }
}
