// The llama.cpp side of Lectern's parity tests: loads a GGUF file in llama.cpp (the prebuilt CPU build that
// node-llama-cpp ships) and reports what llama.cpp itself read, from its own loader log, plus the token ids
// it gives a list of texts, and the ids it ends generation at.
// usage: node llama-cpp-probe.mjs <node_modules> <model.gguf> <texts.json or -> <out.json>
// The caller sets LLAMA_TRACE=1 so the loader logs every tensor with its type and shape.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [nodeModules, modelPath, textsPath, outPath] = process.argv.slice(2);
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(join(nodeModules, "node-llama-cpp", "dist", "index.js")).href);

const log = [];
const llama = await getLlama({
    gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
    logLevel: LlamaLogLevel.debug, logger: (level, message) => log.push(message),
});
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
// llama.cpp logs from its own thread and node-llama-cpp queues each line to this one: some can still be on the
// way when loadModel resolves (on a loaded machine the print_info lines arrived too late one run in ten, and
// the test read no hyperparameters). Wait until the log has been quiet for 200 ms.
for (let seen = -1, waited = 0; seen !== log.length && waited < 10_000; waited += 200) {
    seen = log.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
}

const tensors = [];
const hparams = {};
for (const message of log.join("\n").split("\n")) {
    const tensor = message.match(/- tensor split\s+\d+:\s+(\S+)\s+(\S+)\s+\[([\d,\s]+)\]/);
    if (tensor) {
        const shape = tensor[3].split(",").map((n) => Number(n.trim()));
        while (shape.length > 1 && shape[shape.length - 1] === 1) shape.pop();
        tensors.push({ name: tensor[1], type: tensor[2].toUpperCase(), shape });
    }
    const info = message.match(/print_info: (\w+)\s+=\s+(.*)$/);
    if (info) hparams[info[1]] = info[2].trim();
}

const tokens = { special: [], plain: [] };
if (textsPath !== "-") {
    for (const text of JSON.parse(readFileSync(textsPath, "utf8"))) {
        tokens.special.push(Array.from(model.tokenize(text, true)));
        tokens.plain.push(Array.from(model.tokenize(text, false)));
    }
}
const endOfGeneration = [];
const vocabularySize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
for (let id = 0; id < vocabularySize; id++) {
    if (model.isEogToken(id)) endOfGeneration.push(id);
}
writeFileSync(outPath, JSON.stringify({ tensors, hparams, tokens, endOfGeneration }));
await model.dispose();
await llama.dispose();
