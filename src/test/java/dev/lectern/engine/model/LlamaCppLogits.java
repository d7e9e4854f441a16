package dev.lectern.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.lectern.testing.NodeScript;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * llama.cpp's answers for a model and some prompts, computed in the same build through
 * src/test/node/llama-cpp-logits.mjs: the next-token log-probabilities after each prompt and the greedy
 * continuation.
 */
record LlamaCppLogits(List<double[]> logprobs, List<int[]> greedy) {

    static LlamaCppLogits compute(Path model, List<int[]> prompts, int continuation, Path workDir) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        Path in = workDir.resolve("prompts-" + System.nanoTime() + ".json");
        Path out = workDir.resolve("llama-" + System.nanoTime() + ".json");
        json.writeValue(in.toFile(), Map.of("prompts", prompts, "continuation", continuation, "threads", 2));
        NodeScript.run("llama-cpp-logits.mjs", Map.of(), 600, NodeScript.NODE_MODULES, model, in, out);
        List<double[]> logprobs = new ArrayList<>();
        List<int[]> greedy = new ArrayList<>();
        for (JsonNode result : json.readTree(Files.readString(out)).get("results")) {
            JsonNode values = result.get("logprobs");
            double[] row = new double[values.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = values.get(i).asDouble();
            }
            logprobs.add(row);
            JsonNode ids = result.get("greedy");
            int[] continued = new int[ids.size()];
            for (int i = 0; i < continued.length; i++) {
                continued[i] = ids.get(i).asInt();
            }
            greedy.add(continued);
        }
        return new LlamaCppLogits(logprobs, greedy);
    }
}
