package dev.lectern.engine.backend;

import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.kv.KvCache;
import dev.lectern.engine.tensor.WeightTensor;

/**
 * The obviously correct backend: plain loops in float (double for accumulations that are cheap to do
 * so), one row at a time, using each weight type's scalar dot product. Fast backends are tested against
 * it op by op; the forward pass runs on it in tests.
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void matmul(WeightTensor weight, float[] input, int rows, float[] output) {
        int columns = weight.columns();
        int outputs = weight.rows();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outputs; o++) {
                output[r * outputs + o] = weight.dot(o, input, r * columns);
            }
        }
    }

    @Override
    public void embed(WeightTensor table, int[] tokens, float[] output) {
        for (int t = 0; t < tokens.length; t++) {
            table.dequantizeRow(tokens[t], output, t * table.columns());
        }
    }

    @Override
    public void rmsNorm(float[] input, int rows, int width, float[] weight, float eps, float[] output) {
        for (int r = 0; r < rows; r++) {
            normalize(input, r * width, width, weight, eps, output);
        }
    }

    @Override
    public void headRmsNorm(float[] x, int rows, int heads, int headDim, float[] weight, float eps) {
        for (int h = 0; h < rows * heads; h++) {
            normalize(x, h * headDim, headDim, weight, eps, x);
        }
    }

    private static void normalize(float[] input, int offset, int width, float[] weight, float eps, float[] output) {
        double squares = 0;
        for (int i = 0; i < width; i++) {
            squares += (double) input[offset + i] * input[offset + i];
        }
        float scale = (float) (1.0 / Math.sqrt(squares / width + eps));
        for (int i = 0; i < width; i++) {
            output[offset + i] = input[offset + i] * scale * weight[i];
        }
    }

    @Override
    public void rope(float[] x, int rows, int heads, int headDim, int[] positions, float base) {
        int half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < half; i++) {
                // The angle as llama.cpp computes it: theta = position · base^(-2i/d), in float.
                double theta = positions[r] * Math.pow(base, -2.0 * i / headDim);
                float cos = (float) Math.cos(theta);
                float sin = (float) Math.sin(theta);
                for (int h = 0; h < heads; h++) {
                    int at = (r * heads + h) * headDim + i;
                    float a = x[at];
                    float b = x[at + half];
                    x[at] = a * cos - b * sin;
                    x[at + half] = a * sin + b * cos;
                }
            }
        }
    }

    @Override
    public void attention(float[] queries, int[] positions, int heads, int headDim, List<SequenceRows> sequences,
                          int layer, float[] output) {
        for (SequenceRows sequence : sequences) {
            attend(queries, sequence.firstRow(), sequence.endRow(), positions, heads, headDim, sequence.cache(), layer,
                    output);
        }
    }

    private void attend(float[] queries, int firstRow, int endRow, int[] positions, int heads, int headDim,
                        KvCache cache, int layer, float[] output) {
        int width = cache.width();
        int kvHeads = width / headDim;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] key = new float[width];
        float[] value = new float[width];
        for (int r = firstRow; r < endRow; r++) {
            int visible = positions[r] + 1;
            float[] scores = new float[heads * visible];
            for (int p = 0; p < visible; p++) {
                cache.readKey(layer, p, key, 0);
                for (int h = 0; h < heads; h++) {
                    int q = (r * heads + h) * headDim;
                    int k = (h / group) * headDim;
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += (double) queries[q + i] * key[k + i];
                    }
                    scores[h * visible + p] = (float) dot * scale;
                }
            }
            for (int h = 0; h < heads; h++) {
                softmax(scores, h * visible, visible);
            }
            int out = r * heads * headDim;
            Arrays.fill(output, out, out + heads * headDim, 0f);
            for (int p = 0; p < visible; p++) {
                cache.readValue(layer, p, value, 0);
                for (int h = 0; h < heads; h++) {
                    float weight = scores[h * visible + p];
                    int v = (h / group) * headDim;
                    for (int i = 0; i < headDim; i++) {
                        output[out + h * headDim + i] += weight * value[v + i];
                    }
                }
            }
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length, float[] output) {
        for (int i = 0; i < length; i++) {
            float g = gate[i];
            output[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void add(float[] target, float[] addend, int length) {
        for (int i = 0; i < length; i++) {
            target[i] += addend[i];
        }
    }

    @Override
    public void softmax(float[] x, int offset, int length) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + length; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = offset; i < offset + length; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inverse = (float) (1.0 / sum);
        for (int i = offset; i < offset + length; i++) {
            x[i] *= inverse;
        }
    }
}
