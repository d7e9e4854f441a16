// The ik_llama.cpp side of bench/compare.sh: runs ik_llama.cpp's own llama-bench (built by bench/ik-llama.sh
// for the instruction set asked for) on the tests of `lectern bench`, and prints the same JSON lines as
// bench/llama-cpp-bench.mjs on stdout (progress on stderr):
//   ppN        llama-bench -p N -n 0: N prompt tokens into an empty KV cache, in micro-batches of 512
//   tgN at 0   llama-bench -p 0 -n N: N tokens one at a time after an empty cache
//   tgN at D   llama-bench -gp D,N: the same after a D-token prompt, the prompt untimed
// llama-bench runs one warm-up, then R repetitions; the median of its per-repetition rates is reported.
// ik_llama.cpp's run-time repacking (-rtr 1: its fastest CPU layouts, what its users run) is on unless
// --rtr 0; flash attention is on (-fa 1), which a Q8_0 KV cache needs.
//
// usage: node bench/ik-llama-bench.mjs --model FILE [--prefill 512,2048] [--prefill-depth 0] [--decode 128] [--depth 0]
//            [--threads 2] [--reps 3] [--isa native|avx512|avxvnni|avx2] [--kv f16|q8_0] [--rtr 1]
import { execFileSync, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const options = parseArguments(process.argv.slice(2));
const binary = execFileSync(join(here, "ik-llama.sh"), [options.isa], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim();

// ik_llama.cpp's llama-bench has no prefill at a depth (upstream's -d): those tests are left out.
if (options.prefillDepth.some((d) => d > 0)) console.error("ik-llama-bench: no prefill at a depth in ik_llama.cpp's llama-bench; skipped");
const tests = [
    ...(options.prefillDepth.includes(0) ? options.prefill.filter((n) => n > 0) : [])
        .map((n) => ({ name: `pp${n}`, depth: 0, args: ["-p", `${n}`, "-n", "0"] })),
    ...options.depth.flatMap((depth) => options.decode.filter((n) => n > 0).map((n) => ({
        name: `tg${n}`, depth, decode: true,
        args: depth > 0 ? ["-p", "0", "-n", "0", "-gp", `${depth},${n}`] : ["-p", "0", "-n", `${n}`],
    }))),
];
if (tests.length === 0) process.exit(0);

for (const test of tests) {
    const args = ["-m", options.model, "-t", `${options.threads}`, "-r", `${options.reps}`, "-rtr", `${options.rtr}`,
        "-fa", "1", "-ctk", options.kv, "-ctv", options.kv, "-o", "json", ...test.args];
    console.error(`ik_llama.cpp: ${binary} ${args.join(" ")}`);
    const start = process.hrtime.bigint();
    // /usr/bin/time reports the peak resident set of llama-bench itself.
    const run = spawnSync("/usr/bin/time", ["-f", "peak_rss_kb %M", binary, ...args], { encoding: "utf8",
        maxBuffer: 64 << 20 });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) {
        console.error(run.stderr);
        fail(`llama-bench exited with ${run.status} on ${test.name}`);
    }
    // -o json: one array of results, printed when all tests are done.
    const result = JSON.parse(run.stdout.slice(run.stdout.indexOf("["))).at(-1);
    if (!result) fail(`llama-bench printed no result for ${test.name}`);
    const rates = (result.samples_ts ?? [result.avg_ts]).slice().sort((a, b) => a - b);
    const middle = Math.floor(rates.length / 2);
    const median = rates.length % 2 === 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
    const rss = /peak_rss_kb (\d+)/.exec(run.stderr);
    const line = { test: test.name };
    if (test.decode) line.depth = test.depth;
    Object.assign(line, {
        tok_s: round(median, 2), reps: rates.length, min: round(rates[0], 2), max: round(rates.at(-1), 2),
        model: basename(options.model),
        // ik-llama.sh names the build's folder after the commit: ik_llama.cpp-<commit>-<isa>-<cpu>.
        backend: `ik_llama.cpp ${basename(dirname(binary)).split("-")[1] ?? ""} (${options.isa} build, -rtr ${options.rtr})`,
        threads: result.n_threads ?? options.threads,
        kv: options.kv,
        // llama-bench does not report its load time: the whole run's wall time stands in for it.
        load_s: round(elapsed, 3),
        model_mb: round(statSync(options.model).size / 1e6, 1),
        peak_rss_mb: rss ? round(Number(rss[1]) * 1024 / 1e6, 1) : null,
    });
    console.error(`${test.name}${test.depth > 0 ? ` @ d${test.depth}` : ""}: ${line.tok_s} tok/s (${line.min}–${line.max})`);
    console.log(JSON.stringify(line));
}

function parseArguments(args) {
    const parsed = { prefill: [512, 2048], prefillDepth: [0], decode: [128], depth: [0], threads: 2, reps: 3,
        isa: "native", kv: "f16", rtr: 1 };
    const lists = { "--prefill": "prefill", "--prefill-depth": "prefillDepth", "--decode": "decode", "--depth": "depth" };
    const numbers = { "--threads": "threads", "--reps": "reps", "--rtr": "rtr" };
    for (let i = 0; i < args.length; i += 2) {
        const [flag, value] = [args[i], args[i + 1]];
        if (value === undefined) fail(`${flag} needs a value`);
        if (flag === "--model") parsed.model = value;
        else if (flag === "--isa") parsed.isa = value;
        else if (flag === "--kv") parsed.kv = value;
        else if (flag in lists) parsed[lists[flag]] = value.split(",").map((v) => integer(flag, v));
        else if (flag in numbers) parsed[numbers[flag]] = integer(flag, value);
        else fail(`unknown option ${flag}`);
    }
    if (!parsed.model) fail("--model FILE is required");
    if (!["f16", "q8_0"].includes(parsed.kv)) fail(`--kv takes f16 or q8_0, not ${parsed.kv}`);
    return parsed;
}

function integer(flag, value) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) fail(`${flag} takes whole numbers ≥ 0, got '${value}'`);
    return n;
}

function round(value, decimals) {
    const scale = 10 ** decimals;
    return Math.round(value * scale) / scale;
}

function fail(message) {
    console.error(`ik-llama-bench: ${message}`);
    process.exit(1);
}
