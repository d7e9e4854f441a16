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
 * src/test/node/llama-cpp-logits.mjs: the next-token log-probabilities after each prompt, the greedy
 * continuation, and at each greedy step the most likely tokens with their log-probabilities.
 */
record LlamaCppLogits(List<double[]> logprobs, List<int[]> greedy, List<List<TopLogprobs>> steps) {

    /** The most likely next tokens at one step, most likely first. */
    record TopLogprobs(int[] ids, double[] logprobs) {

        /** The log-probability llama.cpp gives {@code id}, or NaN when it is not among the most likely. */
        double of(int id) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == id) {
                    return logprobs[i];
                }
            }
            return Double.NaN;
        }
    }

    static LlamaCppLogits compute(Path model, List<int[]> prompts, int continuation, Path workDir) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        Path in = workDir.resolve("prompts-" + System.nanoTime() + ".json");
        Path out = workDir.resolve("llama-" + System.nanoTime() + ".json");
        json.writeValue(in.toFile(), Map.of("prompts", prompts, "continuation", continuation, "threads", 2));
        NodeScript.run("llama-cpp-logits.mjs", Map.of(), 600, NodeScript.NODE_MODULES, model, in, out);
        List<double[]> logprobs = new ArrayList<>();
        List<int[]> greedy = new ArrayList<>();
        List<List<TopLogprobs>> steps = new ArrayList<>();
        for (JsonNode result : json.readTree(Files.readString(out)).get("results")) {
            logprobs.add(doubles(result.get("logprobs")));
            JsonNode ids = result.get("greedy");
            int[] continued = new int[ids.size()];
            for (int i = 0; i < continued.length; i++) {
                continued[i] = ids.get(i).asInt();
            }
            greedy.add(continued);
            List<TopLogprobs> promptSteps = new ArrayList<>();
            for (JsonNode step : result.get("steps")) {
                int[] stepIds = new int[step.size()];
                double[] stepLogprobs = new double[step.size()];
                for (int i = 0; i < stepIds.length; i++) {
                    stepIds[i] = step.get(i).get(0).asInt();
                    stepLogprobs[i] = step.get(i).get(1).asDouble();
                }
                promptSteps.add(new TopLogprobs(stepIds, stepLogprobs));
            }
            steps.add(promptSteps);
        }
        return new LlamaCppLogits(logprobs, greedy, steps);
    }

    private static double[] doubles(JsonNode values) {
        double[] row = new double[values.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = values.get(i).asDouble();
        }
        return row;
    }
}
