package dev.lectern.engine.gguf;

import java.util.Optional;

/**
 * Tensor element types as GGUF numbers them (ggml.h's {@code enum ggml_type}): the id, how many
 * elements one block holds and how many bytes it takes. The GGUF reader needs the sizes of every type
 * to lay out a file's tensors, even of types Lectern cannot compute with; {@link #computable()} says which
 * ones the engine has kernels for. Ids 4, 5, 31–33 and 36–38 belong to types ggml removed.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, false),
    Q5_0(6, 32, 22, false),
    Q5_1(7, 32, 24, false),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    private static final GgmlType[] BY_ID = new GgmlType[40];

    static {
        for (GgmlType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean computable;

    GgmlType(int id, int blockSize, int bytesPerBlock, boolean computable) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.computable = computable;
    }

    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    public int id() {
        return id;
    }

    /** Elements per block: 1 for plain floats and integers, 32 or 256 for quantized types. */
    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether the engine has kernels for this type (the ones Qwen3 GGUF files in the wild use). */
    public boolean computable() {
        return computable;
    }

    /**
     * Bytes of a row of {@code elements} values; a row must hold whole blocks, as in ggml.
     *
     * @throws IllegalArgumentException when the row does not divide into blocks
     */
    public long rowBytes(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " stores blocks of " + blockSize + " values; a row of " + elements + " does not divide");
        }
        return elements / blockSize * bytesPerBlock;
    }
}
