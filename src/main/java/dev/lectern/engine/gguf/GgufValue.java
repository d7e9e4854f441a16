package dev.lectern.engine.gguf;

import java.util.Objects;

/**
 * One GGUF metadata value with the type it has (or will have) in the file. The type is kept, not just the
 * Java value, so a value read from a file writes back as the same bytes and error messages can say what a
 * key really holds.
 */
public sealed interface GgufValue permits GgufValue.IntegerValue, GgufValue.FloatValue, GgufValue.BooleanValue,
        GgufValue.StringValue, GgufArray {

    GgufValueType type();

    static IntegerValue uint8(int value) {
        return new IntegerValue(GgufValueType.UINT8, value);
    }

    static IntegerValue int8(int value) {
        return new IntegerValue(GgufValueType.INT8, value);
    }

    static IntegerValue uint16(int value) {
        return new IntegerValue(GgufValueType.UINT16, value);
    }

    static IntegerValue int16(int value) {
        return new IntegerValue(GgufValueType.INT16, value);
    }

    static IntegerValue uint32(long value) {
        return new IntegerValue(GgufValueType.UINT32, value);
    }

    static IntegerValue int32(int value) {
        return new IntegerValue(GgufValueType.INT32, value);
    }

    /** @param bits the value's 64 bits; values of 2^63 and above are negative longs */
    static IntegerValue uint64(long bits) {
        return new IntegerValue(GgufValueType.UINT64, bits);
    }

    static IntegerValue int64(long value) {
        return new IntegerValue(GgufValueType.INT64, value);
    }

    static FloatValue float32(float value) {
        return new FloatValue(GgufValueType.FLOAT32, value);
    }

    static FloatValue float64(double value) {
        return new FloatValue(GgufValueType.FLOAT64, value);
    }

    static BooleanValue bool(boolean value) {
        return new BooleanValue(value);
    }

    static StringValue string(String value) {
        return new StringValue(value);
    }

    /**
     * Any of the eight integer types. {@code value} is the number itself for every type but UINT64, where
     * it is the bit pattern (so UINT64 values of 2^63 and above are negative here; see {@link #fitsLong()}).
     */
    record IntegerValue(GgufValueType type, long value) implements GgufValue {
        public IntegerValue {
            Objects.requireNonNull(type, "type");
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
            if (!type.holds(value)) {
                throw new IllegalArgumentException(value + " does not fit " + type);
            }
        }

        public boolean fitsLong() {
            return type != GgufValueType.UINT64 || value >= 0;
        }

        @Override
        public String toString() {
            return type == GgufValueType.UINT64 ? Long.toUnsignedString(value) : Long.toString(value);
        }
    }

    /** FLOAT32 or FLOAT64; a FLOAT32 holds exactly a float's value, widened. */
    record FloatValue(GgufValueType type, double value) implements GgufValue {
        public FloatValue {
            Objects.requireNonNull(type, "type");
            if (!type.isFloatingPoint()) {
                throw new IllegalArgumentException(type + " is not a floating-point type");
            }
            if (type == GgufValueType.FLOAT32 && !Double.isNaN(value) && (double) (float) value != value) {
                throw new IllegalArgumentException(value + " is not exactly representable as FLOAT32");
            }
        }

        @Override
        public String toString() {
            return type == GgufValueType.FLOAT32 ? Float.toString((float) value) : Double.toString(value);
        }
    }

    record BooleanValue(boolean value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.BOOL;
        }

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    record StringValue(String value) implements GgufValue {
        public StringValue {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.STRING;
        }

        @Override
        public String toString() {
            return '"' + value + '"';
        }
    }
}
