#!/usr/bin/env node
// The prefix cache, measured through the running app (not a test: run it on a quiet machine).
//
//   node bench/prefix-cache.mjs --model target/models/qwen3-0.6b-q8_0.gguf [--tokens 8000] [--users 4]
//
// Starts `./lectern serve` on a fresh data directory, uploads a generated document of about --tokens tokens,
// and measures the time to first token of a 20-token question:
//   cold       the same document pasted into the question (nothing cached: what a tool without a prefix cache pays),
//   warm RAM   asking about the ready document (its prefix pinned in RAM),
//   warm disk  the same after restarting the app (the prefix read back from <data-dir>/kv-cache),
// then --users users asking about it at once against one alone (aggregate decode tokens/s), and the disk bytes
// per 1,000 document tokens. Prints a Markdown table and writes JSON to --out (default target/bench/prefix-cache.json).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, statSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
    arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]?.startsWith('--') || all[i + 1] === undefined ? 'true' : all[i + 1]]]
        : pairs, []));
const model = resolve(args.model ?? 'target/models/qwen3-0.6b-q8_0.gguf');
const targetTokens = Number(args.tokens ?? 8000);
const users = Number(args.users ?? 4);
const answerTokens = Number(args['answer-tokens'] ?? 64);
const port = Number(args.port ?? 18080);
const out = resolve(args.out ?? 'target/bench/prefix-cache.json');
const password = 'bench-admin-password';
const base = `http://localhost:${port}`;
const auth = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
const dataDir = mkdtempSync(join(tmpdir(), 'lectern-prefix-bench-'));
const question = 'Which valve opens at 12 bar, and what is it made of? Answer in one short sentence.';

function log(...parts) {
    console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
}

/** A manual of distinct numbered sentences: about 14 tokens a line. */
function manual(lines) {
    const text = ['Manual of the valves', ''];
    for (let i = 1; i <= lines; i++) {
        text.push(`The valve ${i} opens at ${i % 17 + 3} bar and has ${i * 7 % 40 + 3} teeth; it is made of ${i % 2 ? 'bronze' : 'steel'}.`);
    }
    return text.join('\n') + '\n';
}

let server;
function startServer() {
    const logFile = openSync(join(dataDir, 'server.log'), 'a');
    server = spawn('./lectern', ['serve'], {
        env: {
            ...process.env,
            LECTERN_DATA_DIR: dataDir, LECTERN_MODEL_PATH: model, LECTERN_ADMIN_PASSWORD: password,
            LECTERN_PORT: String(port), LECTERN_MODEL_CONTEXT_LENGTH: String(Math.max(4096, 2 * targetTokens + 4096)),
            LECTERN_ENGINE_THREADS: args.threads ?? '2',
        },
        stdio: ['ignore', logFile, logFile], detached: true,
    });
}

async function stopServer() {
    process.kill(-server.pid, 'SIGTERM');
    await new Promise(done => server.once('exit', done));
}

async function api(path, options = {}) {
    const response = await fetch(base + path, { ...options, headers: { Authorization: auth, ...(options.headers ?? {}) } });
    if (!response.ok) {
        throw new Error(`${options.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
    }
    return response;
}

async function awaitReady() {
    for (let attempt = 0; attempt < 1200; attempt++) {
        try {
            const status = await (await api('/api/status')).json();
            if (status.engine?.state === 'READY') {
                return status.engine;
            }
            if (status.engine?.state === 'FAILED') {
                throw new Error('the model failed to load: ' + status.engine.message);
            }
        } catch (notYet) {
            if (String(notYet).includes('failed to load')) throw notYet;
        }
        await new Promise(done => setTimeout(done, 250));
    }
    throw new Error('the app did not become ready; see ' + join(dataDir, 'server.log'));
}

/** One answer: time to first token as the client saw it, and the done event's statistics. */
async function ask(body) {
    const started = performance.now();
    const response = await api('/api/generate', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ max_tokens: answerTokens, temperature: 0, ...body }),
    });
    const decoder = new TextDecoder();
    let buffer = '', event = null, firstToken = null, done = null, text = '', tokens = 0, lastToken = null;
    const times = [];
    for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trimEnd();
            buffer = buffer.slice(newline + 1);
            if (line.startsWith('event:')) {
                event = line.slice(6).trim();
            } else if (line.startsWith('data:')) {
                const data = JSON.parse(line.slice(5));
                if (event === 'token') {
                    firstToken ??= performance.now();
                    lastToken = performance.now();
                    times.push(lastToken);
                    tokens++;
                    text += data.text;
                } else if (event === 'done') {
                    done = data;
                } else if (event === 'error') {
                    throw new Error(`generation failed: ${data.code}: ${data.message}`);
                }
            }
        }
    }
    return { ttftMs: firstToken - started, stats: done.stats, text, tokens, firstToken, lastToken, times };
}

async function upload(name, text) {
    const form = new FormData();
    form.append('file', new Blob([text], { type: 'text/plain' }), name);
    return (await api('/api/documents', { method: 'POST', body: form })).json();
}

async function awaitDocument(id, status) {
    let last;
    for (let attempt = 0; attempt < 24000; attempt++) {
        last = await (await api(`/api/documents/${id}`)).json();
        if (last.status === status) return last;
        if (['failed', 'too_long'].includes(last.status)) throw new Error(`document ${last.status}: ${last.message}`);
        await new Promise(done => setTimeout(done, 100));
    }
    throw new Error(`document never ${status}: ${JSON.stringify(last)}`);
}

const results = { model, cpu: '', tokensTarget: targetTokens, users, answerTokens };
try {
    results.cpu = (await import('node:child_process')).execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
    startServer();
    log('starting the app on', base, 'data in', dataDir);
    const engine = await awaitReady();
    results.kernels = engine.kernels;
    log('ready:', engine.backend, engine.kernels);

    // About 23.7 tokens a line with the Qwen3 tokenizer (numbers are one token per digit).
    const lines = Math.round(targetTokens / 23.7);
    const text = manual(lines);
    const started = performance.now();
    const uploaded = await upload('valves.txt', text);
    const extracted = await awaitDocument(uploaded.id, 'encoding');
    log(`document: ${extracted.tokenCount} tokens; encoding`);
    const ready = await awaitDocument(uploaded.id, 'ready');
    results.documentTokens = ready.tokenCount;
    results.prefixTokens = ready.prefix.tokens;
    results.uploadToReadyS = (performance.now() - started) / 1000;
    log(`ready after ${results.uploadToReadyS.toFixed(1)} s; prefix ${ready.prefix.tokens} tokens`);

    // Cold: the same text pasted into the question, as a tool without a prefix cache sends it (never seen before,
    // so nothing of it is cached: the system prompt's first block may be).
    const cold = await ask({ prompt: text + '\n\n' + question });
    results.cold = { ttftMs: cold.ttftMs, promptTokens: cold.stats.promptTokens, cachedTokens: cold.stats.cachedTokens };
    log(`cold: ${cold.ttftMs.toFixed(0)} ms for ${cold.stats.promptTokens} prompt tokens (${cold.stats.cachedTokens} cached)`);

    const warm = await ask({ prompt: question, documents: [uploaded.id] });
    results.warmRam = { ttftMs: warm.ttftMs, promptTokens: warm.stats.promptTokens, cachedTokens: warm.stats.cachedTokens };
    log(`warm (RAM): ${warm.ttftMs.toFixed(0)} ms, ${warm.stats.cachedTokens} of ${warm.stats.promptTokens} cached`);

    // Several users at once against one alone, each answering in full.
    const alone = await ask({ prompt: question + ' (alone)', documents: [uploaded.id], max_tokens: 128 });
    const aloneRate = (alone.tokens - 1) / ((alone.lastToken - alone.firstToken) / 1000);
    const together = await Promise.all(Array.from({ length: users }, (_, i) =>
        ask({ prompt: `${question} (user ${i + 1})`, documents: [uploaded.id], max_tokens: 128 })));
    const first = Math.min(...together.map(r => r.firstToken));
    const last = Math.max(...together.map(r => r.lastToken));
    const aggregate = together.reduce((sum, r) => sum + r.tokens - 1, 0) / ((last - first) / 1000);
    // The same, counting only while every user is decoding: from the last first token to the first last token,
    // so the others' question prefill (76 tokens each at depth 8K) is left out of the decode figure.
    const allFrom = Math.max(...together.map(r => r.firstToken));
    const allTo = Math.min(...together.map(r => r.lastToken));
    const inWindow = together.reduce((sum, r) => sum + r.times.filter(t => t > allFrom && t <= allTo).length, 0);
    const allDecoding = allTo > allFrom ? inWindow / ((allTo - allFrom) / 1000) : NaN;
    results.concurrency = { aloneTokensPerSecond: aloneRate, aggregateTokensPerSecond: aggregate,
        ratio: aggregate / aloneRate, allDecodingTokensPerSecond: allDecoding, allDecodingRatio: allDecoding / aloneRate,
        allDecodingSeconds: (allTo - allFrom) / 1000, ttftMs: together.map(r => Math.round(r.ttftMs)) };
    log(`decode: alone ${aloneRate.toFixed(1)} tok/s, ${users} users ${aggregate.toFixed(1)} tok/s together from the`
        + ` first token to the last, ${allDecoding.toFixed(1)} while all ${users} were decoding`);

    const files = readdirSync(join(dataDir, 'kv-cache')).filter(f => f.endsWith('.kv'));
    const diskBytes = files.reduce((sum, f) => sum + statSync(join(dataDir, 'kv-cache', f)).size, 0);
    results.diskBytes = diskBytes;
    results.diskBytesPer1000Tokens = diskBytes / (Math.floor(ready.prefix.tokens / 64) * 64) * 1000;

    log('restarting the app');
    await stopServer();
    startServer();
    await awaitReady();
    const afterRestart = await (await api(`/api/documents/${uploaded.id}`)).json();
    results.tierAfterRestart = afterRestart.prefix?.tier;
    const disk = await ask({ prompt: question, documents: [uploaded.id] });
    results.warmDisk = { ttftMs: disk.ttftMs, promptTokens: disk.stats.promptTokens, cachedTokens: disk.stats.cachedTokens };
    results.sameAnswerAfterRestart = disk.text === warm.text;
    log(`warm (disk): ${disk.ttftMs.toFixed(0)} ms, ${disk.stats.cachedTokens} cached; same answer: ${disk.text === warm.text}`);
    const status = await (await api('/api/status')).json();
    results.prefixCache = status.engine.prefixCache;
} finally {
    if (server && server.exitCode === null) {
        await stopServer();
    }
}

mkdirSync(resolve(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2));
const r = results;
console.log(`CPU: ${r.cpu}; kernels: ${r.kernels}; model ${model.split('/').pop()}; document ${r.documentTokens} tokens (prefix ${r.prefixTokens})`);
console.log('| measure | value |\n|---|---|');
console.log(`| upload → ready | ${r.uploadToReadyS.toFixed(1)} s |`);
console.log(`| TTFT cold (document pasted, ${r.cold.promptTokens} tokens) | ${(r.cold.ttftMs / 1000).toFixed(2)} s |`);
console.log(`| TTFT warm from RAM (${r.warmRam.cachedTokens} of ${r.warmRam.promptTokens} cached) | ${(r.warmRam.ttftMs / 1000).toFixed(3)} s (${(r.cold.ttftMs / r.warmRam.ttftMs).toFixed(0)}× faster) |`);
console.log(`| TTFT warm from disk after restart (${r.warmDisk.cachedTokens} cached; tier ${r.tierAfterRestart}) | ${(r.warmDisk.ttftMs / 1000).toFixed(3)} s (${(r.cold.ttftMs / r.warmDisk.ttftMs).toFixed(0)}× faster; same answer: ${r.sameAnswerAfterRestart}) |`);
console.log(`| decode, 1 user | ${r.concurrency.aloneTokensPerSecond.toFixed(1)} tok/s |`);
console.log(`| decode, ${users} users on the same document, first token to last (their questions' prefill included) | ${r.concurrency.aggregateTokensPerSecond.toFixed(1)} tok/s together (${r.concurrency.ratio.toFixed(2)}×) |`);
console.log(`| decode, ${users} users on the same document, while all ${users} decode (${r.concurrency.allDecodingSeconds.toFixed(1)} s) | ${r.concurrency.allDecodingTokensPerSecond.toFixed(1)} tok/s together (${r.concurrency.allDecodingRatio.toFixed(2)}×) |`);
console.log(`| disk per 1,000 document tokens | ${(r.diskBytesPer1000Tokens / 1e6).toFixed(1)} MB |`);
