package dev.lectern.engine.gguf;

import java.util.Optional;

/**
 * Types of GGUF metadata values as the format numbers them (gguf.h's {@code enum gguf_type}). The
 * numbering is not in order of width: the 64-bit types were added after STRING and ARRAY.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 0),
    ARRAY(9, 0),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = new GgufValueType[13];

    static {
        for (GgufValueType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    public static Optional<GgufValueType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }

    public int id() {
        return id;
    }

    /** Bytes of one encoded value, or 0 for STRING and ARRAY whose size depends on their content. */
    public int fixedSize() {
        return fixedSize;
    }

    /**
     * The fewest bytes one value of this type can take in a file: a string needs at least its length
     * field, an array its element type and count. The parser uses it to reject counts the rest of the
     * file cannot possibly hold before it allocates anything for them.
     */
    public int minimumEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 4 + 8;
            default -> fixedSize;
        };
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /**
     * Whether {@code value} is representable in this integer type. UINT64 takes every long, read as the
     * unsigned bit pattern, because Java has no wider primitive to hold it.
     */
    boolean holds(long value) {
        return switch (this) {
            case UINT8 -> value >= 0 && value <= 0xFF;
            case INT8 -> value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE;
            case UINT16 -> value >= 0 && value <= 0xFFFF;
            case INT16 -> value >= Short.MIN_VALUE && value <= Short.MAX_VALUE;
            case UINT32 -> value >= 0 && value <= 0xFFFF_FFFFL;
            case INT32 -> value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
            case UINT64, INT64 -> true;
            default -> throw new IllegalStateException(this + " is not an integer type");
        };
    }
}
