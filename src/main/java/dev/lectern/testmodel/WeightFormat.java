package dev.lectern.testmodel;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.lectern.engine.gguf.GgmlType;

/**
 * The weight types a generated model can use, named as on the command line. All but {@code q4_k_m} put
 * every matrix in one type; {@code q4_k_m} mixes Q4_K and Q6_K the way llama.cpp's quantizer does for
 * its Q4_K_M files. One-dimensional tensors (norms) stay F32, as in llama.cpp's files.
 */
public enum WeightFormat {
    F32("f32", GgmlType.F32, 0),
    F16("f16", GgmlType.F16, 1),
    BF16("bf16", GgmlType.BF16, 32),
    Q8_0("q8_0", GgmlType.Q8_0, 7),
    Q4_0("q4_0", GgmlType.Q4_0, 2),
    Q4_K("q4_k", GgmlType.Q4_K, 14),
    Q5_K("q5_k", GgmlType.Q5_K, 16),
    Q6_K("q6_k", GgmlType.Q6_K, 18),
    Q4_K_M("q4_k_m", GgmlType.Q4_K, 15);

    private final String cliName;
    private final GgmlType baseType;
    /** llama.cpp's {@code llama_ftype} number, written as general.file_type. */
    private final int llamaFileType;

    WeightFormat(String cliName, GgmlType baseType, int llamaFileType) {
        this.cliName = cliName;
        this.baseType = baseType;
        this.llamaFileType = llamaFileType;
    }

    public static WeightFormat fromCliName(String name) {
        return Arrays.stream(values())
                .filter(format -> format.cliName.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown weight type '" + name + "'; choose one of "
                        + Arrays.stream(values()).map(WeightFormat::cliName).collect(Collectors.joining(", "))));
    }

    public String cliName() {
        return cliName;
    }

    public int llamaFileType() {
        return llamaFileType;
    }

    /**
     * The type this format gives a matrix, before any fallback for rows that do not hold whole blocks.
     *
     * @param role   what the matrix is (llama.cpp picks Q4_K_M's Q6_K tensors by role and layer)
     * @param layer  its layer, or -1 outside the layers
     * @param layers how many layers the model has
     */
    public GgmlType preferredType(TensorRole role, int layer, int layers) {
        if (this != Q4_K_M) {
            return baseType;
        }
        return switch (role) {
            case OUTPUT_HEAD -> GgmlType.Q6_K;
            case ATTENTION_VALUE, FEED_FORWARD_DOWN -> usesMoreBits(layer, layers) ? GgmlType.Q6_K : GgmlType.Q4_K;
            default -> GgmlType.Q4_K;
        };
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third in between. */
    static boolean usesMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * What llama.cpp's quantizer does when rows do not divide into the preferred type's blocks (K-quants
     * need rows of 256): it falls back to a 32-element type; ours is Q8_0, the one of those we compute
     * with, and F16 when even 32 does not divide.
     */
    public static GgmlType fitToRow(GgmlType preferred, long rowLength) {
        if (rowLength % preferred.blockSize() == 0) {
            return preferred;
        }
        return rowLength % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }
}
