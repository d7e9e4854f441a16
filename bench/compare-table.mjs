// Prints bench/compare.sh's results as a Markdown table: each test's median tok/s in llama.cpp, in Lectern and
// (when measured) in ik_llama.cpp, with min–max over the repetitions, and the ratios of Lectern to each.
// usage: node bench/compare-table.mjs results.jsonl
import { readFileSync } from "node:fs";

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const key = (r) => `${r.test}@${r.depth ?? 0}`;
const tests = [...new Map(lines.map((r) => [key(r), r])).values()];
const find = (engine, test) => lines.find((r) => r.engine === engine && key(r) === key(test));
const rate = (r) => (r ? `${r.tok_s.toFixed(2)} (${r.min.toFixed(1)}–${r.max.toFixed(1)})` : "failed");
const load = (r) => (r && r.load_before != null ? r.load_before.toFixed(1) : "?");
const ratio = (a, b) => (a && b ? (a.tok_s / b.tok_s).toFixed(2) : "–");
const withIk = lines.some((r) => r.engine === "ik_llama.cpp");

if (withIk) {
    console.log("| test | depth | llama.cpp tok/s | ik_llama.cpp tok/s | Lectern tok/s | Lectern / llama.cpp | Lectern / ik_llama.cpp"
        + " | load avg before (llama.cpp, ik, Lectern) |");
    console.log("|---|---|---|---|---|---|---|---|");
} else {
    console.log("| test | depth | llama.cpp tok/s | Lectern tok/s | Lectern / llama.cpp | load avg before (llama.cpp, Lectern) |");
    console.log("|---|---|---|---|---|---|");
}
for (const test of tests) {
    const llama = find("llama.cpp", test);
    const lectern = find("lectern", test);
    if (withIk) {
        const ik = find("ik_llama.cpp", test);
        console.log(`| ${test.test} | ${test.depth ?? 0} | ${rate(llama)} | ${rate(ik)} | ${rate(lectern)} | ${ratio(lectern, llama)}`
            + ` | ${ratio(lectern, ik)} | ${load(llama)}, ${load(ik)}, ${load(lectern)} |`);
    } else {
        console.log(`| ${test.test} | ${test.depth ?? 0} | ${rate(llama)} | ${rate(lectern)} | ${ratio(lectern, llama)}`
            + ` | ${load(llama)}, ${load(lectern)} |`);
    }
}
for (const engine of ["llama.cpp", "ik_llama.cpp", "lectern"]) {
    const runs = lines.filter((r) => r.engine === engine);
    if (runs.length === 0) continue;
    const first = runs[0];
    const peak = Math.max(...runs.map((r) => r.peak_rss_mb ?? 0));
    const loads = runs.map((r) => r.load_s);
    console.log(`\n${engine}: ${first.backend}, ${first.threads} threads, KV ${first.kv ?? "f16"}; model load`
        + ` ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} s; peak RSS ${peak.toFixed(0)} MB`
        + ` (model file ${first.model_mb} MB${first.kv_mb != null ? `, KV cache up to ${Math.max(...runs.map((r) => r.kv_mb))} MB` : ""})`);
}
