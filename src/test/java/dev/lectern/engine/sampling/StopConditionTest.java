package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.tokenizer.Vocabulary;

class StopConditionTest {

    private static final int IM_END = 900;
    private static final int END_OF_TEXT = 901;
    private static final Set<Integer> STOP_IDS = Set.of(IM_END, END_OF_TEXT);

    private static StopCondition stopping(String... stopStrings) {
        return new StopCondition(STOP_IDS, List.of(stopStrings), 100);
    }

    @Test
    void aStopTokenEndsGenerationAndItsTextIsNeverShown() {
        StopCondition stop = stopping();
        assertThat(stop.accept(5, "Hello")).isNull();
        assertThat(stop.takeText()).isEqualTo("Hello");
        assertThat(stop.accept(IM_END, "")).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(stop.takeText()).isEmpty();
        assertThat(stop.finishReason()).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(stop.generatedTokens()).isEqualTo(2);
    }

    @Test
    void eitherChatStopTokenEndsGeneration() {
        assertThat(stopping().accept(END_OF_TEXT, "")).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(stopping().accept(IM_END, "")).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(stopping().isStopToken(7)).isFalse();
    }

    @Test
    void aStopStringSplitOverTokensIsHeldBackThenDropped() {
        StopCondition stop = stopping("END");
        assertThat(stop.accept(1, "Hello EN")).isNull();
        assertThat(stop.safeLength()).isEqualTo(6);
        assertThat(stop.takeText()).as("EN might begin END").isEqualTo("Hello ");
        assertThat(stop.accept(2, "D and more")).isEqualTo(FinishReason.STOP_STRING);
        assertThat(stop.takeText()).as("neither the stop string nor what follows it is shown").isEmpty();
    }

    @Test
    void heldBackTextIsReleasedWhenTheStopStringDoesNotFollow() {
        StopCondition stop = stopping("END");
        stop.accept(1, "EN");
        assertThat(stop.takeText()).isEmpty();
        assertThat(stop.accept(2, "TER")).isNull();
        assertThat(stop.takeText()).isEqualTo("ENTER");
    }

    @Test
    void textBeforeAStopStringInsideOneTokenIsShown() {
        StopCondition stop = stopping("END");
        assertThat(stop.accept(1, "abcENDxyz")).isEqualTo(FinishReason.STOP_STRING);
        assertThat(stop.takeText()).isEqualTo("abc");
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopCondition stop = stopping("world", "lo w");
        assertThat(stop.accept(1, "hello world")).isEqualTo(FinishReason.STOP_STRING);
        assertThat(stop.takeText()).isEqualTo("hel");
    }

    @Test
    void aStopStringOverlappingItsOwnPrefixIsFound() {
        StopCondition stop = stopping("aab");
        StringBuilder shown = new StringBuilder();
        for (String piece : new String[] {"a", "a", "a"}) {
            assertThat(stop.accept(1, piece)).isNull();
            shown.append(stop.takeText());
        }
        assertThat(shown).hasToString("a");
        assertThat(stop.accept(1, "b")).isEqualTo(FinishReason.STOP_STRING);
        shown.append(stop.takeText());
        assertThat(shown).hasToString("a");
    }

    @Test
    void heldBackTextIsReleasedWhenAStopTokenEndsGeneration() {
        StopCondition stop = stopping("END");
        stop.accept(1, "The EN");
        assertThat(stop.takeText()).isEqualTo("The ");
        assertThat(stop.accept(IM_END, "")).isEqualTo(FinishReason.STOP_TOKEN);
        assertThat(stop.takeText()).isEqualTo("EN");
    }

    @Test
    void theTokenLimitEndsGenerationAndReleasesAllText() {
        StopCondition stop = new StopCondition(STOP_IDS, List.of("END"), 3);
        assertThat(stop.accept(1, "a")).isNull();
        assertThat(stop.accept(2, "b")).isNull();
        assertThat(stop.accept(3, "EN")).isEqualTo(FinishReason.MAX_TOKENS);
        assertThat(stop.takeText()).isEqualTo("abEN");
    }

    @Test
    void aStopTokenOrStopStringOnTheLastAllowedTokenIsReportedAsSuch() {
        StopCondition byToken = new StopCondition(STOP_IDS, List.of(), 1);
        assertThat(byToken.accept(IM_END, "")).isEqualTo(FinishReason.STOP_TOKEN);
        StopCondition byString = new StopCondition(STOP_IDS, List.of("x"), 1);
        assertThat(byString.accept(1, "ax")).isEqualTo(FinishReason.STOP_STRING);
        assertThat(byString.takeText()).isEqualTo("a");
    }

    @Test
    void cancellingEndsGenerationAndReleasesHeldText() {
        StopCondition stop = stopping("END");
        stop.accept(1, "so EN");
        assertThat(stop.takeText()).isEqualTo("so ");
        stop.cancel();
        assertThat(stop.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(stop.takeText()).isEqualTo("EN");
    }

    @Test
    void noTokenIsAcceptedAfterGenerationEnded() {
        StopCondition stop = stopping();
        stop.accept(IM_END, "");
        assertThatThrownBy(() -> stop.accept(1, "late")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STOP_TOKEN");
        stop.cancel();
        assertThat(stop.finishReason()).as("cancel after the end changes nothing").isEqualTo(FinishReason.STOP_TOKEN);
    }

    @Test
    void streamedTextEqualsTheTextBeforeTheStopStringHoweverItIsSplitIntoTokens() {
        String answer = "The answer is ###4###, and <|stop|> that is all.";
        String visible = "The answer is ###4###, and ";
        SplittableRandom random = new SplittableRandom(17);
        for (int trial = 0; trial < 500; trial++) {
            StopCondition stop = stopping("<|stop|>", "###5");
            StringBuilder shown = new StringBuilder();
            FinishReason reason = null;
            int at = 0;
            while (reason == null && at < answer.length()) {
                int end = Math.min(answer.length(), at + 1 + random.nextInt(4));
                reason = stop.accept(1, answer.substring(at, end));
                String text = stop.takeText();
                shown.append(text);
                assertThat(visible).as("nothing past the stop string is ever shown").startsWith(shown.toString());
                at = end;
            }
            assertThat(reason).isEqualTo(FinishReason.STOP_STRING);
            assertThat(shown).hasToString(visible);
        }
    }

    @Test
    void invalidStopSettingsAreRejectedAsForTheParameters() {
        assertThatThrownBy(() -> new StopCondition(STOP_IDS, List.of(""), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stopStrings[0]");
        assertThatThrownBy(() -> new StopCondition(STOP_IDS, List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTokens is 0");
    }

    @Test
    void fromParametersTakesTheirStopStringsAndLimit() {
        StopCondition stop = StopCondition.of(SamplingParameters.defaults().withStopStrings(List.of("!")).withMaxTokens(2), STOP_IDS);
        assertThat(stop.accept(1, "a")).isNull();
        assertThat(stop.accept(1, "b")).isEqualTo(FinishReason.MAX_TOKENS);
        StopCondition bang = StopCondition.of(SamplingParameters.defaults().withStopStrings(List.of("!")), STOP_IDS);
        assertThat(bang.accept(1, "hi!")).isEqualTo(FinishReason.STOP_STRING);
    }

    @Test
    void chatStopTokenIdsAreLookedUpInTheVocabulary() {
        List<String> tokens = new ArrayList<>(List.of("a", "b", "<|endoftext|>", "<|im_start|>", "<|im_end|>"));
        Vocabulary vocabulary = Vocabulary.of(tokens, null);
        assertThat(StopCondition.chatStopTokenIds(vocabulary)).containsExactlyInAnyOrder(2, 4);
        assertThatThrownBy(() -> StopCondition.chatStopTokenIds(Vocabulary.of(List.of("a", "b"), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<|im_end|>");
    }
}
