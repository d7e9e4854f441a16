package dev.lectern.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParametersTest {

    private static final SamplingParameters BASE = SamplingParameters.defaults();

    @Test
    void defaultsAreQwen3sRecommendedNonThinkingSettingsWithARandomSeed() {
        SamplingParameters defaults = SamplingParameters.defaults();
        assertThat(defaults.temperature()).isEqualTo(0.7);
        assertThat(defaults.topP()).isEqualTo(0.8);
        assertThat(defaults.topK()).isEqualTo(20);
        assertThat(defaults.minP()).isZero();
        assertThat(defaults.hasPenalties()).isFalse();
        assertThat(defaults.seed()).isEmpty();
        assertThat(defaults.isGreedy()).isFalse();
    }

    @Test
    void thinkingUsesQwen3sThinkingTemperatureAndTopP() {
        SamplingParameters thinking = SamplingParameters.thinking();
        assertThat(thinking.temperature()).isEqualTo(0.6);
        assertThat(thinking.topP()).isEqualTo(0.95);
        assertThat(thinking.topK()).isEqualTo(20);
    }

    @Test
    void greedyHasTemperatureZeroNoPenaltiesAndAFixedSeed() {
        SamplingParameters greedy = SamplingParameters.greedy();
        assertThat(greedy.isGreedy()).isTrue();
        assertThat(greedy.hasPenalties()).isFalse();
        assertThat(greedy.seed()).isPresent();
    }

    @Test
    void anyActivePenaltyWithANonZeroWindowCountsAsPenalties() {
        assertThat(BASE.withRepetitionPenalty(1.1).hasPenalties()).isTrue();
        assertThat(BASE.withPresencePenalty(0.5).hasPenalties()).isTrue();
        assertThat(BASE.withFrequencyPenalty(-0.5).hasPenalties()).isTrue();
        assertThat(BASE.withRepetitionPenalty(1.1).withPenaltyLastN(0).hasPenalties()).isFalse();
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParameters edge = BASE.withTemperature(0).withTopK(0).withTopP(1.0).withMinP(0.0)
                .withPresencePenalty(-2).withFrequencyPenalty(2).withPenaltyLastN(-1).withMaxTokens(1)
                .withStopStrings(Collections.nCopies(SamplingParameters.MAX_STOP_STRINGS, "x"));
        assertThat(edge.penaltyLastN()).isEqualTo(-1);
        assertThat(edge.stopStrings()).hasSize(16);
    }

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                bad("temperature", () -> BASE.withTemperature(-0.1), "temperature is -0.1", ">= 0"),
                bad("temperature", () -> BASE.withTemperature(Double.NaN), "temperature is NaN", ">= 0"),
                bad("temperature", () -> BASE.withTemperature(Double.POSITIVE_INFINITY), "temperature is Infinity", "finite"),
                bad("topK", () -> BASE.withTopK(-1), "topK is -1", ">= 0"),
                bad("topP", () -> BASE.withTopP(0.0), "topP is 0.0", "0 < topP <= 1"),
                bad("topP", () -> BASE.withTopP(1.5), "topP is 1.5", "0 < topP <= 1"),
                bad("minP", () -> BASE.withMinP(1.0), "minP is 1.0", "0 <= minP < 1"),
                bad("minP", () -> BASE.withMinP(-0.01), "minP is -0.01", "0 <= minP < 1"),
                bad("repetitionPenalty", () -> BASE.withRepetitionPenalty(0.0), "repetitionPenalty is 0.0", "> 0"),
                bad("presencePenalty", () -> BASE.withPresencePenalty(2.5), "presencePenalty is 2.5", "-2 to 2"),
                bad("presencePenalty", () -> BASE.withPresencePenalty(Double.NaN), "presencePenalty is NaN", "-2 to 2"),
                bad("frequencyPenalty", () -> BASE.withFrequencyPenalty(-3), "frequencyPenalty is -3.0", "-2 to 2"),
                bad("penaltyLastN", () -> BASE.withPenaltyLastN(-2), "penaltyLastN is -2", "-1 for the whole context"),
                bad("maxTokens", () -> BASE.withMaxTokens(0), "maxTokens is 0", ">= 1"),
                bad("stopStrings", () -> BASE.withStopStrings(Collections.nCopies(17, "x")),
                        "stopStrings has 17 entries", "at most 16"),
                bad("stopStrings", () -> BASE.withStopStrings(List.of("ok", "")),
                        "stopStrings[1] is \"\" (0 characters)", "1 to 256"),
                bad("stopStrings", () -> BASE.withStopStrings(List.of("y".repeat(257))),
                        "(257 characters)", "1 to 256"));
    }

    private static Arguments bad(String name, Supplier<SamplingParameters> make, String valuePart, String rangePart) {
        return Arguments.of(name, make, valuePart, rangePart);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("invalidSettings")
    void anInvalidSettingIsRejectedNamingTheParameterItsValueAndTheAllowedRange(
            String name, Supplier<SamplingParameters> make, String valuePart, String rangePart) {
        assertThatThrownBy(make::get)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(name)
                .hasMessageContaining(valuePart)
                .hasMessageContaining(rangePart);
    }

    @Test
    void stopStringsAreCopiedSoTheCallerCannotChangeThemLater() {
        List<String> mutable = new java.util.ArrayList<>(List.of("END"));
        SamplingParameters parameters = BASE.withStopStrings(mutable);
        mutable.add("MORE");
        assertThat(parameters.stopStrings()).containsExactly("END");
    }
}
