package dev.lectern.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.lectern.engine.gguf.GgmlType;

class WeightTensorsTest {

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void wrapGivesTheTensorClassOfTheType(GgmlType type) {
        MemorySegment data = MemorySegment.ofArray(new byte[(int) type.rowBytes(256) * 3]);
        WeightTensor tensor = WeightTensors.wrap(type, data, 3, 256);
        assertThat(tensor.type()).isEqualTo(type);
        assertThat(tensor.getClass().getSimpleName()).isEqualTo(type.name() + "Tensor");
        assertThat(tensor.rowBytes()).isEqualTo(type.rowBytes(256));
        assertThat(tensor.data()).isSameAs(data);
    }

    @Test
    void wrapRejectsASegmentOfTheWrongSizeNamingTypeShapeAndBothSizes() {
        // 2 rows of 256 Q4_K values: 2 super-blocks of 144 bytes = 288 bytes.
        MemorySegment oneByteShort = MemorySegment.ofArray(new byte[287]);
        assertThatThrownBy(() -> WeightTensors.wrap(GgmlType.Q4_K, oneByteShort, 2, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q4_K")
                .hasMessageContaining("2 x 256")
                .hasMessageContaining("needs 288 bytes")
                .hasMessageContaining("holds 287");
        MemorySegment oneByteLong = MemorySegment.ofArray(new byte[289]);
        assertThatThrownBy(() -> WeightTensors.wrap(GgmlType.Q4_K, oneByteLong, 2, 256))
                .hasMessageContaining("holds 289");
    }

    @Test
    void wrapRejectsRowsThatAreNotWholeBlocks() {
        MemorySegment data = MemorySegment.ofArray(new byte[34 * 2]);
        assertThatThrownBy(() -> WeightTensors.wrap(GgmlType.Q8_0, data, 1, 48))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q8_0")
                .hasMessageContaining("blocks of 32")
                .hasMessageContaining("48 columns");
    }

    @Test
    void wrapRejectsEmptyShapes() {
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        assertThatThrownBy(() -> WeightTensors.wrap(GgmlType.F32, empty, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows must be");
        assertThatThrownBy(() -> WeightTensors.wrap(GgmlType.F32, empty, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("columns at least 1");
    }

    @ParameterizedTest
    @EnumSource(mode = EnumSource.Mode.EXCLUDE, names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void wrapAndQuantizeRejectATypeWithoutKernelsNamingIt(GgmlType type) {
        MemorySegment data = MemorySegment.ofArray(new byte[(int) type.rowBytes(256)]);
        assertThatThrownBy(() -> WeightTensors.wrap(type, data, 1, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GGML type " + type.name() + " (id " + type.id() + ")")
                .hasMessageContaining("no kernels")
                .hasMessageContaining("Q4_K");
        assertThatThrownBy(() -> WeightTensors.quantize(type, new float[256], 0, 256, data, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(type.name());
    }

    @Test
    void quantizersRejectPartialBlocksAndTooSmallOutputs() {
        MemorySegment out = MemorySegment.ofArray(new byte[210]);
        assertThatThrownBy(() -> Q6_KTensor.quantize(new float[300], 0, 100, out, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q6_K")
                .hasMessageContaining("blocks of 256");
        assertThatThrownBy(() -> Q6_KTensor.quantize(new float[256], 0, 256, out, 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rowAndBufferIndicesAreChecked() {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor tensor = WeightTensors.quantize(GgmlType.Q8_0, new float[3 * 64], 3, 64, arena);
            assertThatThrownBy(() -> tensor.dequantizeRow(3, new float[64], 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> tensor.dequantizeRow(0, new float[64], 1))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> tensor.dot(-1, new float[64], 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> tensor.dot(0, new float[70], 7))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    /**
     * In a GGUF file, tensors start wherever the previous ones end (aligned to 32 bytes by default, but
     * the block fields inside are not aligned to their size). A slice at an odd offset must read the same.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void aSliceAtAnOddOffsetOfALargerSegmentReadsLikeTheOriginal(GgmlType type) {
        long seed = Seeds.next();
        float[] values = Seeds.normal(seed, 2 * 512);
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor original = WeightTensors.quantize(type, values, 2, 512, arena);
            MemorySegment file = arena.allocate(original.data().byteSize() + 11);
            MemorySegment slice = file.asSlice(5, original.data().byteSize());
            slice.copyFrom(original.data());
            WeightTensor sliced = WeightTensors.wrap(type, slice, 2, 512);
            float[] expected = new float[512];
            float[] actual = new float[512];
            for (int row = 0; row < 2; row++) {
                original.dequantizeRow(row, expected, 0);
                sliced.dequantizeRow(row, actual, 0);
                assertThat(actual).as("%s row %d, %s", type, row, Seeds.describe(seed)).containsExactly(expected);
            }
        }
    }

    @Test
    void quantizeWritesAtTheGivenOutputOffsetAndNowhereElse() {
        float[] values = Seeds.normal(Seeds.next(), 64);
        MemorySegment out = MemorySegment.ofArray(new byte[3 + 2 * 34 + 3]);
        out.fill((byte) 0x5A);
        WeightTensors.quantize(GgmlType.Q8_0, values, 0, 64, out, 3);
        byte[] bytes = out.toArray(ValueLayout.JAVA_BYTE);
        assertThat(new byte[] {bytes[0], bytes[1], bytes[2], bytes[71], bytes[72], bytes[73]})
                .containsOnly((byte) 0x5A);
        float[] back = new float[64];
        WeightTensors.wrap(GgmlType.Q8_0, out.asSlice(3, 68), 1, 64).dequantizeRow(0, back, 0);
        assertThat(Seeds.relativeRms(values, back)).isLessThan(TensorRoundTripTest.bound(GgmlType.Q8_0) * 2);
    }
}
