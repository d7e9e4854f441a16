package dev.lectern.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

class GgufMetadataTest {

    private static final Path FILE = Path.of("/x/model.gguf");

    private static GgufMetadata metadata(Object... keysAndValues) {
        LinkedHashMap<String, GgufValue> entries = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            entries.put((String) keysAndValues[i], (GgufValue) keysAndValues[i + 1]);
        }
        return new GgufMetadata(FILE, entries);
    }

    @Test
    void aMissingRequiredKeyNamesTheKeyAndTheFile() {
        GgufMetadata metadata = metadata("general.architecture", GgufValue.string("qwen3"));

        assertThatThrownBy(() -> metadata.requireInt("qwen3.block_count"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("key 'qwen3.block_count' is missing from /x/model.gguf")
                .extracting(e -> ((GgufFormatException) e).file()).isEqualTo(FILE);
        assertThat(metadata.findInt("qwen3.block_count")).isEmpty();
    }

    @Test
    void aKeyOfAnotherTypeSaysWhatItHoldsAndWhatWasExpected() {
        GgufMetadata metadata = metadata("qwen3.block_count", GgufValue.float32(28f), "name", GgufValue.int32(3));

        assertThatThrownBy(() -> metadata.requireInt("qwen3.block_count"))
                .hasMessage("key 'qwen3.block_count' in /x/model.gguf is FLOAT32, expected an integer");
        assertThatThrownBy(() -> metadata.findString("name"))
                .as("present but mistyped is an error even for find")
                .hasMessage("key 'name' in /x/model.gguf is INT32, expected a string");
    }

    @Test
    void integersOfEveryWidthReadAsIntAndLongWhenTheyFit() {
        GgufMetadata metadata = metadata(
                "u8", GgufValue.uint8(200), "i8", GgufValue.int8(-5), "u16", GgufValue.uint16(60000),
                "i16", GgufValue.int16(-300), "u32", GgufValue.uint32(4_000_000_000L), "i32", GgufValue.int32(-7),
                "u64", GgufValue.uint64(151_936), "i64", GgufValue.int64(-1L << 40));

        assertThat(metadata.requireInt("u8")).isEqualTo(200);
        assertThat(metadata.requireInt("i8")).isEqualTo(-5);
        assertThat(metadata.requireInt("u16")).isEqualTo(60000);
        assertThat(metadata.requireInt("i16")).isEqualTo(-300);
        assertThat(metadata.requireLong("u32")).isEqualTo(4_000_000_000L);
        assertThat(metadata.requireInt("i32")).isEqualTo(-7);
        assertThat(metadata.requireInt("u64")).isEqualTo(151_936);
        assertThat(metadata.requireLong("i64")).isEqualTo(-1L << 40);
    }

    @Test
    void integersThatDoNotFitAreErrorsNotWrappedValues() {
        GgufMetadata metadata = metadata("u32", GgufValue.uint32(4_000_000_000L), "i64", GgufValue.int64(1L << 40),
                "u64.max", GgufValue.uint64(-1L));

        assertThatThrownBy(() -> metadata.requireInt("u32"))
                .hasMessage("key 'u32' in /x/model.gguf is UINT32 4000000000, which does not fit an int");
        assertThatThrownBy(() -> metadata.requireInt("i64")).hasMessageContaining("does not fit an int");
        assertThatThrownBy(() -> metadata.requireLong("u64.max"))
                .hasMessageContaining("UINT64 18446744073709551615, which does not fit a long");
    }

    @Test
    void floatsOfEitherWidthReadAsFloatOrDoubleButIntegersDoNot() {
        GgufMetadata metadata = metadata("eps", GgufValue.float32(1e-6f), "base", GgufValue.float64(1_000_000.5),
                "count", GgufValue.uint32(3));

        assertThat(metadata.requireFloat("eps")).isEqualTo(1e-6f);
        assertThat(metadata.requireDouble("base")).isEqualTo(1_000_000.5);
        assertThat(metadata.findFloat("missing")).isEmpty();
        assertThatThrownBy(() -> metadata.requireFloat("count"))
                .hasMessage("key 'count' in /x/model.gguf is UINT32, expected a floating-point number");
    }

    @Test
    void booleansAndStrings() {
        GgufMetadata metadata = metadata("add_bos", GgufValue.bool(false), "name", GgufValue.string("Qwen3 0.6B"));

        assertThat(metadata.requireBoolean("add_bos")).isFalse();
        assertThat(metadata.findBoolean("add_eos")).isEmpty();
        assertThat(metadata.requireString("name")).isEqualTo("Qwen3 0.6B");
        assertThatThrownBy(() -> metadata.requireBoolean("name"))
                .hasMessage("key 'name' in /x/model.gguf is STRING, expected a boolean");
    }

    @Test
    void stringArraysAreReadOnlyViews() {
        GgufMetadata metadata = metadata("tokens", GgufArray.ofStrings("a", "b"));

        List<String> tokens = metadata.requireStringArray("tokens");

        assertThat(tokens).containsExactly("a", "b");
        assertThatThrownBy(() -> tokens.set(0, "z")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void integerArraysOfAnyWidthReadAsIntsWhenEveryElementFits() {
        GgufMetadata metadata = metadata(
                "types", GgufArray.of(GgufValueType.UINT8, new byte[] {1, (byte) 200}),
                "big", GgufArray.of(GgufValueType.UINT32, new int[] {5, -1}));

        assertThat(metadata.requireIntArray("types")).containsExactly(1, 200);
        assertThat(metadata.requireLongArray("big")).containsExactly(5L, 4_294_967_295L);
        assertThatThrownBy(() -> metadata.requireIntArray("big"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("key 'big' in /x/model.gguf: element 1 is 4294967295, which does not fit an int");
    }

    @Test
    void arraysOfTheWrongKindSayWhatTheyHold() {
        GgufMetadata metadata = metadata("types", GgufArray.ofInt32(1, 2), "scalar", GgufValue.uint32(7));

        assertThatThrownBy(() -> metadata.requireFloatArray("types"))
                .hasMessage("key 'types' in /x/model.gguf is an array of INT32, expected an array of floating-point numbers");
        assertThatThrownBy(() -> metadata.requireStringArray("scalar"))
                .hasMessage("key 'scalar' in /x/model.gguf is UINT32, expected an array of strings");
        assertThat(metadata.findFloatArray("scores")).isEmpty();
    }

    @Test
    void floatArraysReadEitherWidth() {
        GgufMetadata metadata = metadata("scores", GgufArray.ofFloat32(-1f, 2.5f),
                "wide", GgufArray.of(GgufValueType.FLOAT64, new double[] {0.25}));

        assertThat(metadata.requireFloatArray("scores")).containsExactly(-1f, 2.5f);
        assertThat(metadata.requireFloatArray("wide")).containsExactly(0.25f);
    }

    @Test
    void nestedArraysStayReachableRaw() {
        GgufMetadata metadata = metadata("nested", GgufArray.ofArrays(GgufArray.ofInt32(1), GgufArray.ofStrings("x", "y")));

        GgufArray nested = metadata.requireArray("nested");

        assertThat(nested.elementType()).isEqualTo(GgufValueType.ARRAY);
        assertThat(nested.arrayAt(1).stringAt(1)).isEqualTo("y");
        assertThat(nested.arrayAt(0).longAt(0)).isEqualTo(1);
        assertThatThrownBy(() -> metadata.requireStringArray("nested"))
                .hasMessage("key 'nested' in /x/model.gguf is an array of ARRAY, expected an array of strings");
    }

    @Test
    void keysKeepTheirOrder() {
        GgufMetadata metadata = metadata("c", GgufValue.bool(true), "a", GgufValue.bool(true), "b", GgufValue.bool(true));

        assertThat(metadata.keys()).containsExactly("c", "a", "b");
        assertThat(metadata.contains("a")).isTrue();
        assertThat(metadata.require("b")).isEqualTo(GgufValue.bool(true));
    }
}
