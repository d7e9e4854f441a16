// The llama.cpp side of the forward-pass parity tests: for each prompt (token ids), the log-probabilities
// llama.cpp gives the next token (softmax over all logits at temperature 1, nothing truncated), and its greedy
// continuation of N tokens.
//
// Each greedy step is the argmax of llama.cpp's logits after evaluating the whole prefix as one batch. Its
// single-token decode path rounds differently from its batched path (measured: on a tiny f32 model the two
// rank the top tokens differently when they are 0.01 apart, where the batched path agrees with Lectern to
// 4e-5), so one-token decoding would make llama.cpp disagree with itself, not only with us.
// usage: node llama-cpp-logits.mjs <node_modules> <model.gguf> <prompts.json> <out.json>
// prompts.json: {"prompts": [[ids...], ...], "continuation": 32, "threads": 2}
// out.json:     {"results": [{"logprobs": [one per vocabulary id, -1e30 for probability 0], "greedy": [ids],
//                             "steps": [[[id, logprob] × the 20 most likely] for each greedy token, before it was chosen]}]}
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [nodeModules, modelPath, promptsPath, outPath] = process.argv.slice(2);
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(join(nodeModules, "node-llama-cpp", "dist", "index.js")).href);
const { prompts, continuation, threads } = JSON.parse(readFileSync(promptsPath, "utf8"));

const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const allLogits = { temperature: 1, topK: 0, topP: 1, minP: 0 };
const context = await model.createContext({ contextSize: 1024, batchSize: 1024, threads, sequences: 1 });
const sequence = context.getSequence();

async function nextTokenProbabilities(tokens) {
    await sequence.clearHistory();
    const input = tokens.map((id, i) => i === tokens.length - 1
        ? [id, { generateNext: { probabilities: true, options: allLogits } }] : id);
    const evaluated = await sequence.controlledEvaluate(input);
    return evaluated[tokens.length - 1].next.probabilities;
}

const results = [];
for (const prompt of prompts) {
    const probabilities = await nextTokenProbabilities(prompt);
    const dense = [];
    for (const [id, p] of probabilities) dense[id] = p > 0 ? Math.log(p) : -1e30;
    const tokens = [...prompt];
    const greedy = [];
    const steps = [];
    let current = probabilities;
    for (let i = 0; i < continuation; i++) {
        const next = argmax(current);
        greedy.push(next);
        steps.push(mostLikely(current, 20));
        tokens.push(next);
        if (i + 1 < continuation) current = await nextTokenProbabilities(tokens);
    }
    results.push({ logprobs: Array.from(dense, (v) => v ?? -1e30), greedy, steps });
}
writeFileSync(outPath, JSON.stringify({ results }));
await context.dispose();
await model.dispose();
await llama.dispose();

function mostLikely(probabilities, count) {
    return [...probabilities].filter(([, p]) => p > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, count)
        .map(([id, p]) => [id, Math.log(p)]);
}

function argmax(probabilities) {
    let best = -1, bestP = -1;
    for (const [id, p] of probabilities) {
        if (p > bestP || (p === bestP && id < best)) { best = id; bestP = p; }
    }
    return best;
}
