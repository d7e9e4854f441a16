package dev.lectern.testmodel;

import dev.lectern.engine.gguf.GgmlType;

/**
 * One tensor the generator will write: its GGUF name, role, layer (-1 outside the layers), shape in
 * ggml order (columns = row length first), the type chosen for it, and the spread of its random values.
 */
record PlannedTensor(String name, TensorRole role, int layer, int columns, int rows, GgmlType type,
                     float standardDeviation) {

    boolean isNorm() {
        return role == TensorRole.NORM;
    }

    long[] shape() {
        return rows == 1 ? new long[] {columns} : new long[] {columns, rows};
    }

    long byteSize() {
        return type.rowBytes(columns) * rows;
    }
}
