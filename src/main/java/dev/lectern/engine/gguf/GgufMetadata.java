package dev.lectern.engine.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The key-value metadata of one GGUF file, in the file's order, with typed getters.
 *
 * <p>{@code requireX} throws a {@link GgufFormatException} naming the file and key when the key is missing;
 * {@code findX} returns empty instead. Both throw when the key is present with a type that cannot be read
 * as asked, because a mistyped hyperparameter is a damaged file, not an absent one. Integers of any width
 * read as int or long when the value fits; FLOAT32 and FLOAT64 both read as float or double.
 */
public final class GgufMetadata {

    private final Path file;
    private final Map<String, GgufValue> entries;

    GgufMetadata(Path file, LinkedHashMap<String, GgufValue> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** The file the metadata came from, which every error message names. */
    public Path file() {
        return file;
    }

    /** Keys in the order the file lists them. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** All entries in file order, read-only. */
    public Map<String, GgufValue> asMap() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public GgufValue require(String key) {
        return find(key).orElseThrow(() -> missing(key));
    }

    public String requireString(String key) {
        return findString(key).orElseThrow(() -> missing(key));
    }

    public Optional<String> findString(String key) {
        return read(key, value -> value instanceof GgufValue.StringValue(String text) ? text : null, "a string");
    }

    public long requireLong(String key) {
        return findLong(key).orElseThrow(() -> missing(key));
    }

    public Optional<Long> findLong(String key) {
        return read(key, value -> {
            if (!(value instanceof GgufValue.IntegerValue integer)) {
                return null;
            }
            if (!integer.fitsLong()) {
                throw outOfRange(key, integer, "a long");
            }
            return integer.value();
        }, "an integer");
    }

    public int requireInt(String key) {
        return findInt(key).orElseThrow(() -> missing(key));
    }

    public Optional<Integer> findInt(String key) {
        return read(key, value -> {
            if (!(value instanceof GgufValue.IntegerValue integer)) {
                return null;
            }
            if (!integer.fitsLong() || integer.value() != (int) integer.value()) {
                throw outOfRange(key, integer, "an int");
            }
            return (int) integer.value();
        }, "an integer");
    }

    public float requireFloat(String key) {
        return findFloat(key).orElseThrow(() -> missing(key));
    }

    public Optional<Float> findFloat(String key) {
        return findDouble(key).map(Double::floatValue);
    }

    public double requireDouble(String key) {
        return findDouble(key).orElseThrow(() -> missing(key));
    }

    public Optional<Double> findDouble(String key) {
        return read(key, value -> value instanceof GgufValue.FloatValue(var type, double number) ? number : null,
                "a floating-point number");
    }

    public boolean requireBoolean(String key) {
        return findBoolean(key).orElseThrow(() -> missing(key));
    }

    public Optional<Boolean> findBoolean(String key) {
        return read(key, value -> value instanceof GgufValue.BooleanValue(boolean flag) ? flag : null, "a boolean");
    }

    /** Any array, nested or not, for callers that walk it themselves. */
    public GgufArray requireArray(String key) {
        return findArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<GgufArray> findArray(String key) {
        return read(key, value -> value instanceof GgufArray array ? array : null, "an array");
    }

    /** A read-only view of a string array, not a copy: tokenizer vocabularies hold 150,000 entries. */
    public List<String> requireStringArray(String key) {
        return findStringArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<List<String>> findStringArray(String key) {
        return readArray(key, "strings", array -> array.elementType() == GgufValueType.STRING ? array.strings() : null);
    }

    public int[] requireIntArray(String key) {
        return findIntArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<int[]> findIntArray(String key) {
        return readArray(key, "integers", array -> array.elementType().isInteger() ? array.toIntArray() : null);
    }

    public long[] requireLongArray(String key) {
        return findLongArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<long[]> findLongArray(String key) {
        return readArray(key, "integers", array -> array.elementType().isInteger() ? array.toLongArray() : null);
    }

    public float[] requireFloatArray(String key) {
        return findFloatArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<float[]> findFloatArray(String key) {
        return readArray(key, "floating-point numbers",
                array -> array.elementType().isFloatingPoint() ? array.toFloatArray() : null);
    }

    @Override
    public String toString() {
        return entries.size() + " metadata entries of " + file;
    }

    /** {@code convert} returns null when the value has the wrong type, which becomes the type error. */
    private <T> Optional<T> read(String key, Function<GgufValue, T> convert, String expected) {
        GgufValue value = entries.get(key);
        if (value == null) {
            return Optional.empty();
        }
        T converted = convert.apply(value);
        if (converted == null) {
            throw new GgufFormatException(file, "key '" + key + "' in " + file + " is " + describe(value)
                    + ", expected " + expected);
        }
        return Optional.of(converted);
    }

    private <T> Optional<T> readArray(String key, String elements, Function<GgufArray, T> convert) {
        String expected = "an array of " + elements;
        return read(key, value -> {
            if (!(value instanceof GgufArray array)) {
                return null;
            }
            try {
                return convert.apply(array);
            } catch (ArithmeticException outOfRange) {
                throw new GgufFormatException(file, "key '" + key + "' in " + file + ": " + outOfRange.getMessage());
            }
        }, expected);
    }

    private GgufFormatException outOfRange(String key, GgufValue.IntegerValue value, String javaType) {
        return new GgufFormatException(file, "key '" + key + "' in " + file + " is " + value.type() + " " + value
                + ", which does not fit " + javaType);
    }

    private GgufFormatException missing(String key) {
        return new GgufFormatException(file, "key '" + key + "' is missing from " + file);
    }

    private static String describe(GgufValue value) {
        return value instanceof GgufArray array ? "an array of " + array.elementType() : value.type().toString();
    }
}
