package dev.lectern.engine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufTensorInfo;
import dev.lectern.engine.tensor.WeightTensor;
import dev.lectern.engine.tensor.WeightTensors;

/**
 * The tensors of a Qwen3 model, checked against its configuration: matrices stay slices of the mapped
 * file (no copy), norm vectors are read into small float arrays. The output head is the token embedding
 * when the file has no output.weight (tied embeddings).
 */
public record Qwen3Weights(WeightTensor tokenEmbedding, float[] outputNorm, WeightTensor outputHead,
                           List<Layer> layers) {

    /** One transformer block's weights, in llama.cpp's tensor names. */
    public record Layer(float[] attentionNorm, WeightTensor query, WeightTensor key, WeightTensor value,
                        WeightTensor attentionOutput, float[] queryNorm, float[] keyNorm, float[] feedForwardNorm,
                        WeightTensor gate, WeightTensor up, WeightTensor down) {
    }

    public static Qwen3Weights load(GgufFile file, Qwen3Config config) {
        Loader loader = new Loader(file);
        int hidden = config.embeddingLength();
        WeightTensor embedding = loader.matrix("token_embd.weight", hidden, config.vocabularySize());
        WeightTensor output = config.tiedEmbeddings() ? embedding
                : loader.matrix("output.weight", hidden, config.vocabularySize());
        List<Layer> layers = new ArrayList<>(config.blockCount());
        for (int i = 0; i < config.blockCount(); i++) {
            String p = "blk." + i + ".";
            layers.add(new Layer(
                    loader.vector(p + "attn_norm.weight", hidden),
                    loader.matrix(p + "attn_q.weight", hidden, config.queryWidth()),
                    loader.matrix(p + "attn_k.weight", hidden, config.kvWidth()),
                    loader.matrix(p + "attn_v.weight", hidden, config.headCountKv() * config.valueLength()),
                    loader.matrix(p + "attn_output.weight", config.headCount() * config.valueLength(), hidden),
                    loader.vector(p + "attn_q_norm.weight", config.keyLength()),
                    loader.vector(p + "attn_k_norm.weight", config.keyLength()),
                    loader.vector(p + "ffn_norm.weight", hidden),
                    loader.matrix(p + "ffn_gate.weight", hidden, config.feedForwardLength()),
                    loader.matrix(p + "ffn_up.weight", hidden, config.feedForwardLength()),
                    loader.matrix(p + "ffn_down.weight", config.feedForwardLength(), hidden)));
        }
        return new Qwen3Weights(embedding, loader.vector("output_norm.weight", hidden), output, List.copyOf(layers));
    }

    /** Finds tensors by name and checks their shapes, naming the tensor when one is missing or wrong. */
    private record Loader(GgufFile file) {

        WeightTensor matrix(String name, int columns, int rows) {
            GgufTensorInfo info = require(name, columns, rows);
            return WeightTensors.wrap(info.type(), file.tensorData(info), rows, columns);
        }

        float[] vector(String name, int length) {
            GgufTensorInfo info = require(name, length, 1);
            float[] values = new float[length];
            WeightTensors.wrap(info.type(), file.tensorData(info), 1, length).dequantizeRow(0, values, 0);
            return values;
        }

        private GgufTensorInfo require(String name, int columns, int rows) {
            GgufTensorInfo info = file.findTensor(name).orElseThrow(() ->
                    new UnsupportedModelException(file.path(), "the tensor " + name + " is missing"));
            if (info.rowLength() != columns || info.rowCount() != rows) {
                throw new UnsupportedModelException(file.path(), "the tensor " + name + " has shape "
                        + Arrays.toString(info.shape()) + " but the model's metadata implies [" + columns
                        + (rows > 1 ? ", " + rows : "") + "]");
            }
            if (!info.type().computable()) {
                throw new UnsupportedModelException(file.path(), "the tensor " + name + " is stored as "
                        + info.type() + ", which Lectern cannot compute with");
            }
            return info;
        }
    }
}
