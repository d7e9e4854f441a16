package dev.lectern.testmodel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.gguf.GgufWriter;

/**
 * Writes Qwen3 GGUF files with seeded random weights and the real Qwen3 tokenizer: models with real
 * shapes that exercise every code path, in any weight type, without downloading weights. Tensors are
 * generated and quantized a chunk of rows at a time, on several threads, and streamed to disk, so a 4B
 * model never sits in memory. The same spec always gives the same bytes, whatever the thread count.
 */
public final class TestModelGenerator {

    private TestModelGenerator() {
    }

    /** The file written: its path, the tensors with the types they got, and how many bytes of weights. */
    public record Result(Path file, List<PlannedTensor> tensors, long weightBytes) {

        /** Tensors whose rows do not hold the format's blocks and so got a 32-element type instead. */
        public long fallbackCount(WeightFormat format, int layers) {
            return tensors.stream().filter(t -> !t.isNorm()
                    && t.type() != format.preferredType(t.role(), t.layer(), layers)).count();
        }
    }

    /** Told after each tensor: which one was written and how far the whole file is. */
    public record Progress(String tensor, GgmlType type, long bytesWritten, long totalBytes) {

        public int percent() {
            return (int) (100 * bytesWritten / totalBytes);
        }

        @Override
        public String toString() {
            return tensor + " (" + type + ") " + percent() + "%";
        }
    }

    /** Writes the model to {@code target} on every core, telling {@code progress} after each tensor. */
    public static Result write(Path target, TestModelSpec spec, Qwen3Vocabulary vocabulary, Consumer<Progress> progress)
            throws IOException {
        return write(target, spec, vocabulary, progress, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Writes the model to {@code target}, quantizing on {@code threads} threads (the file is the same for
     * any number), telling {@code progress} after each tensor.
     */
    public static Result write(Path target, TestModelSpec spec, Qwen3Vocabulary vocabulary, Consumer<Progress> progress,
                               int threads) throws IOException {
        return write(target, spec, vocabulary, progress, threads, RandomRowWriter.DEFAULT_CHUNK_BYTES);
    }

    static Result write(Path target, TestModelSpec spec, Qwen3Vocabulary vocabulary, Consumer<Progress> progress,
                        int threads, int chunkBytes) throws IOException {
        List<PlannedTensor> plan = plan(spec);
        long totalBytes = plan.stream().mapToLong(PlannedTensor::byteSize).sum();
        try (GgufWriter writer = GgufWriter.create(target); RandomRowWriter rows = new RandomRowWriter(threads, chunkBytes)) {
            writeMetadata(writer, spec, vocabulary);
            for (PlannedTensor tensor : plan) {
                writer.addTensor(tensor.name(), tensor.type(), tensor.shape());
            }
            long written = 0;
            for (PlannedTensor tensor : plan) {
                writer.writeTensor(tensor.name(), out -> rows.write(out, tensor, spec.seed()));
                written += tensor.byteSize();
                progress.accept(new Progress(tensor.name(), tensor.type(), written, totalBytes));
            }
        }
        return new Result(target, plan, totalBytes);
    }

    static List<PlannedTensor> plan(TestModelSpec spec) {
        ShapePreset shape = spec.shape();
        List<PlannedTensor> plan = new ArrayList<>();
        int vocab = Qwen3Vocabulary.EMBEDDING_ROWS;
        TensorRole embeddingRole = shape.tiedEmbeddings() ? TensorRole.OUTPUT_HEAD : TensorRole.TOKEN_EMBEDDING;
        float embeddingStd = shape.tiedEmbeddings() ? spec.outputStd() : spec.embeddingStd();
        plan.add(matrix(spec, "token_embd.weight", embeddingRole, -1, shape.hidden(), vocab, embeddingStd));
        if (!shape.tiedEmbeddings()) {
            PlannedTensor head = matrix(spec, "output.weight", TensorRole.OUTPUT_HEAD, -1, shape.hidden(), vocab,
                    spec.outputStd());
            plan.add(spec.outputType() == null ? head : new PlannedTensor(head.name(), head.role(), head.layer(),
                    head.columns(), head.rows(), WeightFormat.fitToRow(spec.outputType(), head.columns()),
                    head.standardDeviation()));
        }
        plan.add(norm(spec, "output_norm.weight", shape.hidden()));
        int queryWidth = shape.heads() * shape.headDim();
        int kvWidth = shape.kvHeads() * shape.headDim();
        for (int layer = 0; layer < shape.layers(); layer++) {
            String prefix = "blk." + layer + ".";
            float std = spec.weightStd();
            plan.add(norm(spec, prefix + "attn_norm.weight", shape.hidden()));
            plan.add(matrix(spec, prefix + "attn_q.weight", TensorRole.ATTENTION_QUERY, layer, shape.hidden(), queryWidth, std));
            plan.add(matrix(spec, prefix + "attn_k.weight", TensorRole.ATTENTION_KEY, layer, shape.hidden(), kvWidth, std));
            plan.add(matrix(spec, prefix + "attn_v.weight", TensorRole.ATTENTION_VALUE, layer, shape.hidden(), kvWidth, std));
            plan.add(matrix(spec, prefix + "attn_output.weight", TensorRole.ATTENTION_OUTPUT, layer, queryWidth, shape.hidden(),
                    spec.residualStd()));
            plan.add(norm(spec, prefix + "attn_q_norm.weight", shape.headDim()));
            plan.add(norm(spec, prefix + "attn_k_norm.weight", shape.headDim()));
            plan.add(norm(spec, prefix + "ffn_norm.weight", shape.hidden()));
            plan.add(matrix(spec, prefix + "ffn_gate.weight", TensorRole.FEED_FORWARD_GATE, layer, shape.hidden(), shape.feedForward(), std));
            plan.add(matrix(spec, prefix + "ffn_up.weight", TensorRole.FEED_FORWARD_UP, layer, shape.hidden(), shape.feedForward(), std));
            plan.add(matrix(spec, prefix + "ffn_down.weight", TensorRole.FEED_FORWARD_DOWN, layer, shape.feedForward(), shape.hidden(),
                    spec.residualStd()));
        }
        return plan;
    }

    private static PlannedTensor matrix(TestModelSpec spec, String name, TensorRole role, int layer, int columns,
                                        int rows, float std) {
        GgmlType preferred = spec.format().preferredType(role, layer, spec.shape().layers());
        return new PlannedTensor(name, role, layer, columns, rows, WeightFormat.fitToRow(preferred, columns), std);
    }

    private static PlannedTensor norm(TestModelSpec spec, String name, int width) {
        return new PlannedTensor(name, TensorRole.NORM, -1, width, 1, GgmlType.F32, spec.weightStd());
    }

    private static void writeMetadata(GgufWriter writer, TestModelSpec spec, Qwen3Vocabulary vocabulary) {
        ShapePreset shape = spec.shape();
        writer.putString("general.architecture", "qwen3")
                .putString("general.name", spec.describe())
                .putUInt32("general.file_type", spec.format().llamaFileType())
                .putUInt32("general.quantization_version", 2)
                .putUInt32("qwen3.block_count", shape.layers())
                .putUInt32("qwen3.context_length", ShapePreset.CONTEXT_LENGTH)
                .putUInt32("qwen3.embedding_length", shape.hidden())
                .putUInt32("qwen3.feed_forward_length", shape.feedForward())
                .putUInt32("qwen3.attention.head_count", shape.heads())
                .putUInt32("qwen3.attention.head_count_kv", shape.kvHeads())
                .putUInt32("qwen3.attention.key_length", shape.headDim())
                .putUInt32("qwen3.attention.value_length", shape.headDim())
                .putFloat32("qwen3.rope.freq_base", ShapePreset.ROPE_FREQ_BASE)
                .putFloat32("qwen3.attention.layer_norm_rms_epsilon", ShapePreset.RMS_NORM_EPSILON)
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "qwen2")
                .putStringArray("tokenizer.ggml.tokens", vocabulary.tokens())
                .putInt32Array("tokenizer.ggml.token_type", vocabulary.tokenTypes())
                .putStringArray("tokenizer.ggml.merges", vocabulary.merges())
                .putUInt32("tokenizer.ggml.eos_token_id", Qwen3Vocabulary.IM_END_ID)
                .putUInt32("tokenizer.ggml.padding_token_id", Qwen3Vocabulary.END_OF_TEXT_ID)
                .putUInt32("tokenizer.ggml.bos_token_id", Qwen3Vocabulary.END_OF_TEXT_ID)
                .putBoolean("tokenizer.ggml.add_bos_token", false)
                .putString("tokenizer.chat_template", vocabulary.chatTemplate());
    }
}
