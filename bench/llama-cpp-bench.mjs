// The llama.cpp side of bench/compare.sh: the tests of `lectern bench`, in llama-bench's terms, run in
// llama.cpp through node-llama-cpp, with the same JSON lines on stdout (progress on stderr):
//   ppN        N prompt tokens evaluated into an empty KV cache (at --prefill-depth D: after D prompt tokens
//              evaluated untimed, as llama-bench's -d) as one batched evaluation, logits for the last token
//              only (llama-bench's llama_batch_get_one); tok/s = N / time.
//   tgN at D   D prompt tokens evaluated untimed, then N tokens evaluated one at a time, each with logits
//              and the next token chosen greedily from them (node-llama-cpp's sequence.evaluate loop: the
//              Nth token sampled means N evaluations); tok/s = N / time.
// One untimed warm-up run per test, then R timed repetitions; the median is reported. The prompt of a
// decode test is evaluated once and the cache cut back to it before each repetition (llama-bench also
// reuses the state after the depth prompt). Only the evaluation calls are timed.
//
// The KV cache is F16 unless --kv q8_0 (keys and values in Q8_0, with flash attention, which llama.cpp needs for
// a quantized value cache). Which CPU variant of llama.cpp runs is node-llama-cpp's choice among the libraries
// in its bins folder (the best the CPU has); bench/compare.sh --isa points --node-modules at a copy holding one.
//
// usage: node bench/llama-cpp-bench.mjs --model FILE [--prefill 512,2048] [--prefill-depth 0] [--decode 128] [--depth 0]
//            [--threads 2] [--reps 3] [--seed 1234] [--kv f16|q8_0] [--node-modules frontend/node_modules]
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const options = parseArguments(process.argv.slice(2));
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(join(options.nodeModules, "node-llama-cpp", "dist", "index.js")).href);

// llama-bench's default micro-batch: prompts longer than this are evaluated in chunks of it, as there.
const BATCH_SIZE = 512;

const tests = [
    ...options.prefillDepth.flatMap((depth) => options.prefill.filter((n) => n > 0)
        .map((n) => ({ name: `pp${n}`, kind: "prefill", tokens: n, depth }))),
    ...options.depth.flatMap((depth) => options.decode.filter((n) => n > 0)
        .map((n) => ({ name: `tg${n}`, kind: "decode", tokens: n, depth }))),
];
if (tests.length === 0) fail("nothing to measure: --prefill and --decode are all 0");
const positions = Math.max(...tests.map((t) => t.depth + t.tokens));
const longestPrompt = Math.max(...tests.map((t) => (t.kind === "prefill" ? t.depth + t.tokens : t.depth)), 1);

const loadStart = process.hrtime.bigint();
const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: options.model, gpuLayers: 0 });
const quantizedKv = options.kv === "q8_0" ? { experimentalKvCacheKeyType: "Q8_0", experimentalKvCacheValueType: "Q8_0",
    flashAttention: true } : {};
const context = await model.createContext({ contextSize: positions, batchSize: BATCH_SIZE,
    threads: options.threads, sequences: 1, ...quantizedKv });
const loadSeconds = seconds(process.hrtime.bigint() - loadStart);
if (context.contextSize < positions) fail(`llama.cpp gave a context of ${context.contextSize}, need ${positions}`);
const sequence = context.getSequence();
const prompt = seededTokens(longestPrompt, options.seed);

const common = {
    model: basename(options.model),
    backend: `llama.cpp (node-llama-cpp ${nodeLlamaCppVersion()}, CPU)`,
    threads: context.currentThreads,
    flash_attention: context.flashAttention,
    kv: options.kv,
    load_s: round(loadSeconds, 3),
    model_mb: round(statSync(options.model).size / 1e6, 1),
};
console.error(`loaded ${common.model} in ${loadSeconds.toFixed(2)} s; ${common.backend}, ${common.threads} threads,`
    + ` context ${context.contextSize}, batch ${context.batchSize}, flash attention ${context.flashAttention}`);
console.error(`llama.cpp system info: ${llama.systemInfo}`);

for (const test of tests) {
    const nanos = [];
    for (let rep = -1; rep < options.reps; rep++) {
        const elapsed = test.kind === "prefill" ? await timePrefill(test.tokens, test.depth)
            : await timeDecode(test.tokens, test.depth);
        console.error(`${test.name}${test.depth > 0 ? ` @ d${test.depth}` : ""} ${rep < 0 ? "warm-up" : `rep ${rep + 1}`}:`
            + ` ${(test.tokens / seconds(elapsed)).toFixed(1)} tok/s`);
        if (rep >= 0) nanos.push(elapsed);
    }
    const rates = nanos.map((n) => test.tokens / seconds(n)).sort((a, b) => a - b);
    const middle = Math.floor(rates.length / 2);
    const median = rates.length % 2 === 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
    const line = { test: test.name };
    if (test.kind === "decode" || test.depth > 0) line.depth = test.depth;
    Object.assign(line, { tok_s: round(median, 2), reps: rates.length, min: round(rates[0], 2),
        max: round(rates[rates.length - 1], 2), ...common,
        peak_rss_mb: round(process.resourceUsage().maxRSS * 1024 / 1e6, 1) });
    console.log(JSON.stringify(line));
}
await context.dispose();
await model.dispose();
await llama.dispose();

async function timePrefill(tokens, depth) {
    await fillTo(depth);
    const input = prompt.slice(depth, depth + tokens)
        .map((id, i) => (i === tokens - 1 ? [id, { generateNext: { token: true } }] : id));
    const start = process.hrtime.bigint();
    await sequence.controlledEvaluate(input);
    return process.hrtime.bigint() - start;
}

/** Leaves exactly the first `depth` prompt tokens in the cache, evaluating them only if not there yet. */
async function fillTo(depth) {
    // The longest run of prompt tokens the cache starts with: kept, cut to depth, or extended to it.
    let kept = 0;
    while (kept < sequence.nextTokenIndex && sequence.contextTokens[kept] === prompt[kept]) kept++;
    if (kept >= depth) {
        if (sequence.nextTokenIndex > depth) {
            await sequence.eraseContextTokenRanges([{ start: depth, end: sequence.nextTokenIndex }]);
        }
    } else {
        if (sequence.nextTokenIndex > kept) {
            await sequence.eraseContextTokenRanges([{ start: kept, end: sequence.nextTokenIndex }]);
        }
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(kept, depth));
    }
    if (sequence.nextTokenIndex !== depth) fail(`the cache holds ${sequence.nextTokenIndex} tokens, expected ${depth}`);
}

async function timeDecode(tokens, depth) {
    await fillTo(depth);
    // Like llama-bench, the first input is an arbitrary token; after it each step feeds its own greedy choice.
    // sequence.evaluate is node-llama-cpp's own decode loop: one evaluation and one sampling per token. (Its
    // controlledEvaluate, called once per token, measured ~6 ms slower per token on a tiny model.)
    const start = process.hrtime.bigint();
    const iterator = sequence.evaluate([prompt[depth % prompt.length]], { temperature: 0 });
    for (let generated = 0; generated < tokens;) {
        const { done } = await iterator.next();
        if (done) fail(`llama.cpp stopped generating after ${generated} of ${tokens} tokens`);
        generated++;
    }
    const elapsed = process.hrtime.bigint() - start;
    await iterator.return();
    return elapsed;
}

/** Ordinary (non-special) token ids drawn with a seeded generator, so every run sees the same prompt. */
function seededTokens(count, seed) {
    const ordinary = [];
    const vocabularySize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    for (let id = 0; id < vocabularySize; id++) {
        if (model.getTokenAttributes(id).normal) ordinary.push(id);
    }
    if (ordinary.length === 0) fail("the model's vocabulary has no ordinary tokens to build a prompt from");
    let state = BigInt.asUintN(64, BigInt(seed));
    const next = () => { // splitmix64
        state = BigInt.asUintN(64, state + 0x9E3779B97F4A7C15n);
        let z = state;
        z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n);
        z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94D049BB133111EBn);
        return z ^ (z >> 31n);
    };
    return Array.from({ length: count }, () => ordinary[Number(next() % BigInt(ordinary.length))]);
}

function parseArguments(args) {
    const here = dirname(fileURLToPath(import.meta.url));
    const parsed = { prefill: [512, 2048], prefillDepth: [0], decode: [128], depth: [0], threads: 2, reps: 3, seed: 1234,
        kv: "f16",
        nodeModules: resolve(here, "..", "frontend", "node_modules") };
    const lists = { "--prefill": "prefill", "--prefill-depth": "prefillDepth", "--decode": "decode", "--depth": "depth" };
    const numbers = { "--threads": "threads", "--reps": "reps", "--seed": "seed" };
    for (let i = 0; i < args.length; i += 2) {
        const [flag, value] = [args[i], args[i + 1]];
        if (value === undefined) fail(`${flag} needs a value`);
        if (flag === "--model") parsed.model = value;
        else if (flag === "--node-modules") parsed.nodeModules = value;
        else if (flag === "--kv") parsed.kv = value;
        else if (flag in lists) parsed[lists[flag]] = value.split(",").map((v) => integer(flag, v));
        else if (flag in numbers) parsed[numbers[flag]] = integer(flag, value);
        else fail(`unknown option ${flag}`);
    }
    if (!parsed.model) fail("--model FILE is required");
    if (parsed.reps < 1) fail("--reps must be at least 1");
    if (!["f16", "q8_0"].includes(parsed.kv)) fail(`--kv takes f16 or q8_0, not ${parsed.kv}`);
    return parsed;
}

function integer(flag, value) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) fail(`${flag} takes whole numbers ≥ 0, got '${value}'`);
    return n;
}

function nodeLlamaCppVersion() {
    try {
        return JSON.parse(readFileSync(join(options.nodeModules, "node-llama-cpp", "package.json"), "utf8")).version;
    } catch {
        return "unknown version";
    }
}

function seconds(nanos) {
    return Number(nanos) / 1e9;
}

function round(value, decimals) {
    const scale = 10 ** decimals;
    return Math.round(value * scale) / scale;
}

function fail(message) {
    console.error(`llama-cpp-bench: ${message}`);
    process.exit(1);
}
