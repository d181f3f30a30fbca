#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node) decoding a model with a KV cache the way frugal generate
// does: a prefill over the prompt ids, then one-token forwards, each feeding the present.* outputs
// back as the next past_key_values.* inputs (attention_mask and position_ids too when the model has
// them). Greedy, so the ids can be compared with frugal's on the same file.
//
// usage: node ort_decode.js MODEL --prompt-ids 1,2,3 [--new N] [--threads T] [--no-spin] [--json FILE]
'use strict';
const fs = require('fs');

function usage(msg) {
    if (msg) console.error('ort_decode: ' + msg);
    console.error('usage: node ort_decode.js MODEL --prompt-ids 1,2,3 [--new N] [--threads T] [--no-spin] [--json FILE]');
    process.exit(2);
}

function parseArgs(argv) {
    const o = { model: null, prompt: null, newTokens: 32, threads: 2, spin: true, json: null };
    for (let i = 0; i < argv.length; ++i) {
        const a = argv[i];
        const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
        if (a === '--prompt-ids') o.prompt = next().split(',').map((s) => Number(s));
        else if (a === '--new') o.newTokens = Number(next());
        else if (a === '--threads') o.threads = Number(next());
        else if (a === '--json') o.json = next();
        else if (a === '--no-spin') o.spin = false;
        else if (a.startsWith('-')) usage(`unknown option ${a}`);
        else if (o.model === null) o.model = a;
        else usage(`unexpected argument ${a}`);
    }
    if (!o.model || !o.prompt || o.prompt.some((x) => !Number.isInteger(x) || x < 0)) usage('MODEL and --prompt-ids are required');
    if (!Number.isInteger(o.newTokens) || o.newTokens < 1) usage('--new must be a positive integer');
    return o;
}

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const row = (ort, ids) => new ort.Tensor('int64', BigInt64Array.from(ids.map((x) => BigInt(x))), [1, ids.length]);

async function main() {
    const o = parseArgs(process.argv.slice(2));
    if (!fs.existsSync(o.model)) usage(`${o.model}: no such file`);
    const ort = require('onnxruntime-node');
    const options = { intraOpNumThreads: o.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    if (!o.spin) options.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
    const session = await ort.InferenceSession.create(o.model, options);
    const names = session.inputNames;
    const tokenInput = names.includes('token_ids') ? 'token_ids' : names.includes('input_ids') ? 'input_ids' : usage('no token_ids/input_ids input');
    const pasts = names.filter((n) => n.startsWith('past_key_values'));
    if (pasts.length === 0) usage(`${o.model} has no past_key_values.* inputs`);
    const metas = session.inputMetadata || [];
    const feeds = {};
    for (const p of pasts) {
        const meta = metas[names.indexOf(p)];
        if (!meta || !meta.shape) usage('this onnxruntime-node gives no input shapes; cannot make an empty past');
        const dims = meta.shape.map((d, k) => (typeof d === 'number' && d >= 0 ? d : k === 0 ? 1 : 0));
        feeds[p] = new ort.Tensor('float32', new Float32Array(0), dims);
    }
    const ids = [...o.prompt];
    const fresh = [];
    const stepS = [];
    let past = 0;
    let firstS = 0;
    while (fresh.length < o.newTokens) {
        const step = ids.slice(past);
        feeds[tokenInput] = row(ort, step);
        if (names.includes('attention_mask')) feeds.attention_mask = row(ort, new Array(past + step.length).fill(1));
        if (names.includes('position_ids')) feeds.position_ids = row(ort, step.map((_, i) => past + i));
        const t = process.hrtime.bigint();
        const out = await session.run(feeds);
        const secs = Number(process.hrtime.bigint() - t) / 1e9;
        const logits = out.logits || out[session.outputNames[0]];
        const vocab = logits.dims[2];
        const last = logits.data.subarray((step.length - 1) * vocab, step.length * vocab);
        let best = 0;
        for (let v = 1; v < vocab; ++v) if (last[v] > last[best]) best = v;
        for (const p of pasts) feeds[p] = out['present' + p.slice('past_key_values'.length)];
        past += step.length;
        if (fresh.length === 0) firstS = secs;
        else stepS.push(secs);
        fresh.push(best);
        ids.push(best);
    }
    const result = {
        peer: 'onnxruntime-node',
        model: o.model,
        threads: o.threads,
        spin: o.spin,
        prompt_tokens: o.prompt.length,
        new_tokens: fresh.length,
        ids: fresh,
        time_to_first_token_s: firstS,
        decode_ms_per_token: stepS.length ? median(stepS) * 1e3 : 0,
    };
    console.log(`onnxruntime-node: ${o.prompt.length} prompt tokens, ${fresh.length} new; first token ${firstS.toFixed(3)} s, decode ${result.decode_ms_per_token.toFixed(2)} ms/token (median)`);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => {
    console.error('ort_decode: ' + (e && e.message ? e.message : e));
    process.exit(1);
});
