package dev.lectern.engine.cpu;

/**
 * Cosines and sines of the NeoX RoPE angles, {@code position · base^(-2i/headDim)}, for positions
 * 0..count-1 and i below headDim/2, computed once and grown as positions grow. The angle is computed in
 * double exactly as ReferenceBackend does and rounded to float once, so a rotation with these values is
 * bit-identical to the reference's. Not thread-safe: the backend uses it from its caller's thread.
 */
final class RopeTable {

    private float base = Float.NaN;
    private int headDim;
    private int positions;
    private float[] cos = new float[0];
    private float[] sin = new float[0];

    /** Makes positions 0..maxPosition available for this base and head size (recomputing if they changed). */
    void ensure(float base, int headDim, int maxPosition) {
        if (Float.compare(base, this.base) != 0 || headDim != this.headDim) {
            this.base = base;
            this.headDim = headDim;
            positions = 0;
        }
        if (maxPosition < positions) {
            return;
        }
        int half = headDim / 2;
        // Doubling keeps a growing sequence from recomputing the table on every decoded token.
        int count = Math.max(maxPosition + 1, Math.min(2 * positions, Integer.MAX_VALUE / half));
        float[] newCos = new float[count * half];
        float[] newSin = new float[count * half];
        System.arraycopy(cos, 0, newCos, 0, positions * half);
        System.arraycopy(sin, 0, newSin, 0, positions * half);
        for (int i = 0; i < half; i++) {
            double frequency = Math.pow(base, -2.0 * i / headDim);
            for (int p = positions; p < count; p++) {
                double theta = p * frequency;
                newCos[p * half + i] = (float) Math.cos(theta);
                newSin[p * half + i] = (float) Math.sin(theta);
            }
        }
        cos = newCos;
        sin = newSin;
        positions = count;
    }

    float[] cos() {
        return cos;
    }

    float[] sin() {
        return sin;
    }

    /** Where position p's values start in {@link #cos()} and {@link #sin()}. */
    int offset(int position) {
        return position * (headDim / 2);
    }
}
