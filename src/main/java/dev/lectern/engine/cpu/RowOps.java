package dev.lectern.engine.cpu;

import java.lang.foreign.MemorySegment;

/**
 * The element-wise and per-row vector operations of the forward pass that are not matrix products. One
 * species template implements them ({@link VectorRowOps}, bound by {@link SpeciesBinding}); the backend
 * and the attention kernel call them row by row.
 */
interface RowOps {

    /** Floats per vector. */
    int lanes();

    /** RMSNorm of {@code in[inOffset ..+width)} times {@code weight}, into {@code out[outOffset ..)}; may be in place. */
    void rmsNorm(float[] in, int inOffset, int width, float[] weight, float eps, float[] out, int outOffset);

    /** {@code out[i] = silu(gate[i]) · up[i]} for i below length. */
    void swiglu(float[] gate, float[] up, int length, float[] out);

    /** {@code target[i] += addend[i]} for i below length. */
    void add(float[] target, float[] addend, int length);

    /** Softmax in place over {@code x[offset ..+length)}, shifted by the maximum so large values cannot overflow. */
    void softmax(float[] x, int offset, int length);

    /**
     * NeoX rotation of one head at {@code x[at ..+2·half)}: element i pairs with i + half and both turn by
     * the angle whose cosine and sine are {@code cos[table + i]}, {@code sin[table + i]}.
     */
    void rotate(float[] x, int at, int half, float[] cos, float[] sin, int table);

    /** Σ a[aOffset + i] · b[bOffset + i] for i below length. */
    float dot(float[] a, int aOffset, float[] b, int bOffset, int length);

    /** {@code y[yOffset + i] += scale · x[xOffset + i]} for i below length. */
    void addScaled(float scale, float[] x, int xOffset, float[] y, int yOffset, int length);

    /** Σ x[offset + i] for i below length. */
    float sum(float[] x, int offset, int length);

    /**
     * Attention scores: {@code out[j] = scale · Σ_i q[qOffset + i] · keys[j · length + i]} for j below count
     * (keys: count rows of length values, one per position).
     */
    void scores(float[] q, int qOffset, float[] keys, int count, int length, float scale, float[] out);

    /**
     * Attention scores against a transposed key tile: {@code out[j] = scale · Σ_i q[qOffset + i] ·
     * keysT[i · stride + j]} for j below count. Vectorized over positions, so no lane sums; {@code out} and
     * every row of {@code keysT} must have room for count rounded up to a whole vector (extra lanes are
     * computed and ignored).
     */
    void scoresTransposed(float[] q, int qOffset, float[] keysT, int stride, int count, int length, float scale,
                          float[] out);

    /** Widens {@code count} little-endian IEEE halves at {@code data[offset ..]} to floats in {@code out}. */
    void widenHalves(MemorySegment data, long offset, float[] out, int outOffset, int count);

    /**
     * Widens {@code count} values (a multiple of 32) stored as ggml Q8_0 blocks at {@code data[offset ..]} (an
     * fp16 scale, then 32 int8 quants) to floats in {@code out}: the quantized KV cache's rows.
     */
    void widenQ8_0(MemorySegment data, long offset, float[] out, int outOffset, int count);

    /** {@code x[j] = e^(x[j] - shift)} for j below count; returns their sum. */
    float expShifted(float[] x, int count, float shift);

    /**
     * {@code acc[accOffset + i] = decay · acc[accOffset + i] + Σ_j weights[j] · values[j · length + i]} for i
     * below length, j below count: one step of attention's running weighted sum of values.
     */
    void accumulateWeighted(float[] acc, int accOffset, float decay, float[] weights, int count, float[] values,
                            int length);
}
