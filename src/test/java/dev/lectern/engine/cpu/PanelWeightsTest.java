package dev.lectern.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;

class PanelWeightsTest {

    /** The repacked layouts hold exactly the weights the ggml blocks hold, for a padded last panel too. */
    @Test
    void panelsHoldTheSameWeightsAsTheGgmlBlocks() {
        TestInputs inputs = new TestInputs();
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q4_K}) {
                for (int lanes : new int[] {8, 16}) {
                    for (int rows : new int[] {1, 37, 64}) {
                        check(type, type == GgmlType.Q8_0 ? 96 : 512, rows, lanes, inputs, arena);
                    }
                }
            }
        }
    }

    private static void check(GgmlType type, int columns, int rows, int lanes, TestInputs inputs, Arena arena) {
        WeightTensor weight = WeightTensors.quantize(type, inputs.normal(rows * columns, 2.0), rows, columns, arena);
        PanelWeights packed = type == GgmlType.Q4_K ? PackedQ4_K.pack(weight, lanes) : PackedInt8.pack(weight, lanes);
        assertThat(packed.panels()).isEqualTo(Math.ceilDiv(rows, lanes));
        float[] row = new float[columns];
        for (int r = 0; r < rows; r++) {
            weight.dequantizeRow(r, row, 0);
            for (int c = 0; c < columns; c++) {
                assertThat(packed.weight(r, c)).as("%s row %d column %d, %d lanes, %s", type, r, c, lanes,
                        inputs.describe()).isEqualTo(row[c]);
            }
        }
    }

    @Test
    void eachLayoutTakesOnlyItsOwnType() {
        try (Arena arena = Arena.ofShared()) {
            WeightTensor f32 = WeightTensors.quantize(GgmlType.F32, new float[512], 2, 256, arena);
            assertThatThrownBy(() -> PackedInt8.pack(f32, 16)).hasMessageContaining("not F32");
            assertThatThrownBy(() -> PackedQ4_K.pack(f32, 16)).hasMessageContaining("not F32");
        }
    }
}
