// The official `openai` npm client against Lectern's OpenAI-compatible API, as a user's script would call it:
// lists the models, asks with and without an attached document (the `documents` extension field), streamed
// and not, asks a second question about the same document, and tries a wrong and a revoked key. Writes what
// it saw as JSON for the Java test to judge, and a readable log to stdout.
// usage: node openai-client.mjs <node_modules> <in.json> <out.json>
// in.json: { baseURL, apiKey, revokedKey, documentId }
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [nodeModules, inPath, outPath] = process.argv.slice(2);
const { default: OpenAI } = await import(pathToFileURL(join(nodeModules, "openai", "index.mjs")).href);
const input = JSON.parse(readFileSync(inPath, "utf8"));
const out = {};

const client = new OpenAI({ baseURL: input.baseURL, apiKey: input.apiKey, maxRetries: 0, timeout: 120_000 });

const models = await client.models.list();
out.models = models.data.map((m) => m.id);
const model = out.models[0];
console.log("models:", out.models);

const plain = await client.chat.completions.create({
    model, messages: [{ role: "user", content: "Name one metal." }], max_tokens: 8, temperature: 0, seed: 7,
});
out.plain = { text: plain.choices[0].message.content, finish: plain.choices[0].finish_reason, usage: plain.usage,
    object: plain.object, id: plain.id };
console.log("non-streamed, no document:", JSON.stringify(out.plain));

async function streamed(params) {
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let chunks = 0;
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
        chunks++;
        if (chunk.choices.length > 0) {
            text += chunk.choices[0].delta.content ?? "";
            finish = chunk.choices[0].finish_reason ?? finish;
        }
        if (chunk.usage) {
            usage = chunk.usage;
        }
    }
    return { text, chunks, finish, usage };
}

out.stream = await streamed({ model, messages: [{ role: "user", content: "Count to five." }], max_tokens: 10,
    temperature: 0.7, top_p: 0.9, seed: 3, stop: ["\n\n\n"] });
console.log("streamed, no document:", JSON.stringify(out.stream));

// The documents extension: plain JavaScript passes unknown fields through in the body (Python: extra_body).
const first = await client.chat.completions.create({
    model, messages: [{ role: "user", content: "What is the torque for the M8 bolts?" }], max_completion_tokens: 8,
    temperature: 0, documents: [input.documentId],
});
out.documentFirst = { text: first.choices[0].message.content, usage: first.usage };
console.log("non-streamed, with the document:", JSON.stringify(out.documentFirst));

out.documentSecond = await streamed({ model, messages: [{ role: "user", content: "How often is it serviced?" }],
    max_tokens: 8, temperature: 0, documents: [input.documentId] });
console.log("streamed, second question on the document:", JSON.stringify(out.documentSecond));

async function refused(apiKey) {
    const other = new OpenAI({ baseURL: input.baseURL, apiKey, maxRetries: 0 });
    try {
        await other.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
        return { status: 200 };
    } catch (error) {
        return { status: error.status, name: error.constructor.name, message: error.message, code: error.code };
    }
}
out.badKey = await refused("lk-not-a-key-of-this-server");
console.log("wrong key:", JSON.stringify(out.badKey));
out.revokedKey = await refused(input.revokedKey);
console.log("revoked key:", JSON.stringify(out.revokedKey));

try {
    await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], n: 2 });
    out.nTwo = { status: 200 };
} catch (error) {
    out.nTwo = { status: error.status, name: error.constructor.name, param: error.param, message: error.message };
}
console.log("n=2:", JSON.stringify(out.nTwo));

writeFileSync(outPath, JSON.stringify(out, null, 2));
