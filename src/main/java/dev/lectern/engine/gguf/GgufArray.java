package dev.lectern.engine.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A GGUF array value: one element type and a count of elements, which may themselves be arrays (each
 * nested array carries its own element type). Elements are held in the Java primitive array of their
 * width (UINT8 and INT8 in a {@code byte[]}, UINT32 and INT32 in an {@code int[]}, ...), unsigned types as
 * their raw bits, so a 151,936-entry token-type array costs 600 KB, not 151,936 boxed objects.
 *
 * <p>Instances are immutable: factories copy what they are given and bulk getters return copies or
 * read-only views.
 */
public final class GgufArray implements GgufValue {

    private final GgufValueType elementType;
    private final Object elements;

    /** For the parser: {@code elements} is freshly made and never shared, so it is not copied. */
    GgufArray(GgufValueType elementType, Object elements) {
        this.elementType = elementType;
        this.elements = elements;
    }

    /**
     * An array of {@code elementType} over a Java array of the matching class: {@code byte[]} for UINT8 and
     * INT8, {@code short[]} for UINT16 and INT16, {@code int[]} for UINT32 and INT32, {@code long[]} for
     * UINT64 and INT64, {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]} and
     * {@code GgufArray[]} for nested arrays.
     */
    public static GgufArray of(GgufValueType elementType, Object elements) {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(elements, "elements");
        Class<?> expected = javaArrayClass(elementType);
        if (elements.getClass() != expected) {
            throw new IllegalArgumentException("an array of " + elementType + " is held in a "
                    + expected.getSimpleName() + ", not a " + elements.getClass().getSimpleName());
        }
        Object copy = copyOf(elements);
        if (copy instanceof Object[] references) {
            for (int i = 0; i < references.length; i++) {
                if (references[i] == null) {
                    throw new NullPointerException("element " + i + " is null");
                }
            }
        }
        return new GgufArray(elementType, copy);
    }

    public static GgufArray ofStrings(List<String> strings) {
        return of(GgufValueType.STRING, strings.toArray(String[]::new));
    }

    public static GgufArray ofStrings(String... strings) {
        return of(GgufValueType.STRING, strings);
    }

    public static GgufArray ofInt32(int... values) {
        return of(GgufValueType.INT32, values);
    }

    public static GgufArray ofFloat32(float... values) {
        return of(GgufValueType.FLOAT32, values);
    }

    public static GgufArray ofArrays(GgufArray... arrays) {
        return of(GgufValueType.ARRAY, arrays);
    }

    @Override
    public GgufValueType type() {
        return GgufValueType.ARRAY;
    }

    public GgufValueType elementType() {
        return elementType;
    }

    public int size() {
        return Array.getLength(elements);
    }

    /** An integer element; unsigned types are widened without sign, UINT64 gives its raw bits. */
    public long longAt(int index) {
        return switch (elementType) {
            case UINT8 -> Byte.toUnsignedLong(((byte[]) elements)[index]);
            case INT8 -> ((byte[]) elements)[index];
            case UINT16 -> Short.toUnsignedLong(((short[]) elements)[index]);
            case INT16 -> ((short[]) elements)[index];
            case UINT32 -> Integer.toUnsignedLong(((int[]) elements)[index]);
            case INT32 -> ((int[]) elements)[index];
            case UINT64, INT64 -> ((long[]) elements)[index];
            default -> throw notA("integer");
        };
    }

    public double doubleAt(int index) {
        return switch (elementType) {
            case FLOAT32 -> ((float[]) elements)[index];
            case FLOAT64 -> ((double[]) elements)[index];
            default -> throw notA("floating-point");
        };
    }

    public boolean booleanAt(int index) {
        if (elementType != GgufValueType.BOOL) {
            throw notA("boolean");
        }
        return ((boolean[]) elements)[index];
    }

    public String stringAt(int index) {
        if (elementType != GgufValueType.STRING) {
            throw notA("string");
        }
        return ((String[]) elements)[index];
    }

    public GgufArray arrayAt(int index) {
        if (elementType != GgufValueType.ARRAY) {
            throw notA("nested array");
        }
        return ((GgufArray[]) elements)[index];
    }

    /** Any element as a value of its own, for generic code such as an inspect command. */
    public GgufValue elementAt(int index) {
        return switch (elementType) {
            case FLOAT32, FLOAT64 -> new FloatValue(elementType, doubleAt(index));
            case BOOL -> new BooleanValue(booleanAt(index));
            case STRING -> new StringValue(stringAt(index));
            case ARRAY -> arrayAt(index);
            default -> new IntegerValue(elementType, longAt(index));
        };
    }

    /** The strings, as a read-only view (no copy: token lists are large). */
    public List<String> strings() {
        if (elementType != GgufValueType.STRING) {
            throw notA("string");
        }
        return Collections.unmodifiableList(Arrays.asList((String[]) elements));
    }

    /**
     * The integers as longs.
     *
     * @throws ArithmeticException when a UINT64 element is 2^63 or more
     */
    public long[] toLongArray() {
        long[] values = new long[size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = longAt(i);
            if (elementType == GgufValueType.UINT64 && values[i] < 0) {
                throw new ArithmeticException("element " + i + " is " + Long.toUnsignedString(values[i])
                        + ", which does not fit a long");
            }
        }
        return values;
    }

    /**
     * The integers as ints.
     *
     * @throws ArithmeticException naming the first element outside the int range
     */
    public int[] toIntArray() {
        if (elementType == GgufValueType.INT32) {
            return ((int[]) elements).clone();
        }
        int[] values = new int[size()];
        for (int i = 0; i < values.length; i++) {
            long value = longAt(i);
            boolean tooBig = elementType == GgufValueType.UINT64 ? value < 0 || value > Integer.MAX_VALUE
                    : value != (int) value;
            if (tooBig) {
                String shown = elementType == GgufValueType.UINT64 ? Long.toUnsignedString(value) : Long.toString(value);
                throw new ArithmeticException("element " + i + " is " + shown + ", which does not fit an int");
            }
            values[i] = (int) value;
        }
        return values;
    }

    /** FLOAT32 elements as they are; FLOAT64 elements rounded to the nearest float. */
    public float[] toFloatArray() {
        if (elementType == GgufValueType.FLOAT32) {
            return ((float[]) elements).clone();
        }
        float[] values = new float[size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) doubleAt(i);
        }
        return values;
    }

    public double[] toDoubleArray() {
        double[] values = new double[size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = doubleAt(i);
        }
        return values;
    }

    /** The backing Java array, for the writer, which only reads it. */
    Object elements() {
        return elements;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufArray that && elementType == that.elementType
                && Arrays.deepEquals(new Object[] {elements}, new Object[] {that.elements});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {elements});
    }

    /** Short on purpose: a token list printed in full would flood any log. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("ARRAY<").append(elementType).append(">[").append(size()).append("]");
        int shown = Math.min(size(), 4);
        if (shown > 0) {
            text.append(" {");
            for (int i = 0; i < shown; i++) {
                text.append(i == 0 ? "" : ", ").append(elementAt(i));
            }
            text.append(size() > shown ? ", ...}" : "}");
        }
        return text.toString();
    }

    private IllegalStateException notA(String kind) {
        return new IllegalStateException("this is an array of " + elementType + ", not of " + kind + " elements");
    }

    static Class<?> javaArrayClass(GgufValueType elementType) {
        return switch (elementType) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    private static Object copyOf(Object array) {
        return switch (array) {
            case byte[] a -> a.clone();
            case short[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case Object[] a -> a.clone();
            default -> throw new IllegalArgumentException("not an array: " + array.getClass());
        };
    }
}
