#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node) measured at the stages frugal profile reports, so the two can
// be compared on the same .onnx file in the same run:
//   Initial (node and the ORT library loaded), After session creation, After 1st run, After 2nd run,
// then the median of R one-token forwards ([1, 1] input: what a decoder without a KV cache pays per
// generated token). Memory comes from /proc/self/status; VmHWM is reset before each stage (write
// "5" to /proc/self/clear_refs) so each stage has its own peak, and the run's peak is the largest.
//
// usage: node ort_profile.js MODEL [--seq T] [--threads N] [--runs R] [--json FILE] [--weights-mb W] [--no-spin]
// --no-spin: pool threads sleep at once when idle (session.intra_op.allow_spinning 0), the
// counterpart of frugal under OMP_WAIT_POLICY=PASSIVE.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function usage(msg) {
    if (msg) console.error('ort_profile: ' + msg);
    console.error('usage: node ort_profile.js MODEL [--seq T] [--threads N] [--runs R] [--json FILE] [--weights-mb W] [--no-spin]');
    process.exit(2);
}

function parseArgs(argv) {
    const o = { model: null, seq: 32, threads: os.cpus().length, runs: 10, json: null, weightsMb: null, spin: true };
    const number = (name, v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) usage(`${name} takes a non-negative number, got '${v}'`);
        return n;
    };
    for (let i = 0; i < argv.length; ++i) {
        const a = argv[i];
        const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
        if (a === '--seq') o.seq = number(a, next());
        else if (a === '--threads') o.threads = number(a, next());
        else if (a === '--runs') o.runs = number(a, next());
        else if (a === '--json') o.json = next();
        else if (a === '--weights-mb') o.weightsMb = number(a, next());
        else if (a === '--no-spin') o.spin = false;
        else if (a === '-h' || a === '--help') usage();
        else if (a.startsWith('-')) usage(`unknown option ${a}`);
        else if (o.model === null) o.model = a;
        else usage(`unexpected argument ${a}`);
    }
    if (o.model === null) usage('MODEL is required');
    if (o.seq < 1 || o.runs < 1) usage('--seq and --runs must be at least 1');
    return o;
}

// kB figures from /proc/self/status.
function sampleMemory() {
    const text = fs.readFileSync('/proc/self/status', 'utf8');
    const get = (key) => {
        const m = text.match(new RegExp('^' + key + ':\\s+(\\d+) kB', 'm'));
        return m ? Number(m[1]) : 0;
    };
    return { rss: get('VmRSS'), anon: get('RssAnon'), file: get('RssFile'), swap: get('VmSwap'), hwm: get('VmHWM') };
}

function resetPeak() {
    try {
        fs.writeFileSync('/proc/self/clear_refs', '5');
        return true;
    } catch (e) {
        return false;  // not allowed (e.g. in some containers): VmHWM is then the process's lifetime peak
    }
}

// Without --weights-mb the weights are taken as the bytes of the model file plus its external data
// files (those beside it named MODEL.data or MODEL_data*): the protobuf framing is noise next to them.
function weightsFromFiles(model) {
    let bytes = fs.statSync(model).size;
    const dir = path.dirname(model);
    const base = path.basename(model);
    for (const f of fs.readdirSync(dir))
        if (f !== base && (f === base + '.data' || f.startsWith(base + '_data') || f === base.replace(/\.onnx$/, '.data')))
            bytes += fs.statSync(path.join(dir, f)).size;
    return bytes / (1 << 20);
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

// Token-like ids in [0, 100) for integer inputs (frugal profile does the same), uniform [-1, 1] for
// float inputs; dynamic dims are 1 for the first (the batch) and `seq` for the others.
function makeFeeds(ort, session, seq) {
    const feeds = {};
    const metas = session.inputMetadata || [];
    session.inputNames.forEach((name, i) => {
        const meta = metas[i] || {};
        let dims = meta.shape ? meta.shape.map((d, k) => (typeof d === 'number' && d >= 0 ? d : k === 0 ? 1 : seq)) : [1, seq];
        const type = meta.type || 'int64';
        const n = dims.reduce((a, b) => a * b, 1);
        let data;
        if (type === 'int64') data = BigInt64Array.from({ length: n }, (_, k) => BigInt((k * 37 + 11) % 100));
        else if (type === 'int32') data = Int32Array.from({ length: n }, (_, k) => (k * 37 + 11) % 100);
        else if (type === 'float32') data = Float32Array.from({ length: n }, (_, k) => Math.sin(k));
        else throw new Error(`input '${name}' has type ${type}, which ort_profile does not make inputs for`);
        feeds[name] = new ort.Tensor(type, data, dims);
    });
    return feeds;
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    if (!fs.existsSync(o.model)) usage(`${o.model}: no such file`);
    const ort = require('onnxruntime-node');
    const stages = [];
    let peakKb = 0;
    let canReset = resetPeak();
    // CPU time (user + system, all threads) next to wall time: on a shared machine it says how
    // much of a slow stage was waiting for a core. ORT's pool threads spin briefly while idle,
    // which this counts too.
    let cpu0 = process.cpuUsage();
    const record = (name, secs) => {
        const m = sampleMemory();
        const cpu = process.cpuUsage(cpu0);
        cpu0 = process.cpuUsage();
        peakKb = Math.max(peakKb, m.hwm, m.rss);
        stages.push({ name, memory: m, seconds: secs, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
        canReset = resetPeak() && canReset;
    };
    // Node's own heap and the ORT library are resident before any model: that is this peer's
    // Initial, as the bare C++ process is frugal's.
    record('Initial', 0);

    const options = {
        intraOpNumThreads: o.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
    };
    if (!o.spin) options.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
    let t = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(o.model, options);
    const createS = seconds(t);
    record('After session creation', createS);

    const feeds = makeFeeds(ort, session, o.seq);
    t = process.hrtime.bigint();
    let out = await session.run(feeds);
    const firstS = seconds(t);
    record('After 1st run', firstS);
    t = process.hrtime.bigint();
    out = await session.run(feeds);
    const secondS = seconds(t);
    record('After 2nd run', secondS);

    // One-token forwards: one untimed to let ORT set up the [1, 1] shapes, then R timed.
    const one = makeFeeds(ort, session, 1);
    await session.run(one);
    const tokenS = [];
    for (let i = 0; i < o.runs; ++i) {
        t = process.hrtime.bigint();
        out = await session.run(one);
        tokenS.push(seconds(t));
    }
    record('After one-token runs', tokenS.reduce((a, b) => a + b, 0));
    out = null;

    const weightsMb = o.weightsMb !== null ? o.weightsMb : weightsFromFiles(o.model);
    const mb = (kb) => kb / 1024;
    const f = (x, w, d) => x.toFixed(d).padStart(w);
    const sign = (x, w, d) => ((x >= 0 ? '+' : '') + x.toFixed(d)).padStart(w);
    const inputs = Object.entries(feeds).map(([k, v]) => `${k} ${v.type}[${v.dims.join(',')}]`).join(' ');
    const lines = [];
    lines.push(`onnxruntime-node ${ort.env.versions ? ort.env.versions.node : '?'} profile ${o.model}  (inputs: ${inputs}, threads ${o.threads}${o.spin ? '' : ', no spinning'})`);
    lines.push('');
    lines.push(`${'stage'.padEnd(24)} ${'RSS MB'.padStart(10)} ${'delta MB'.padStart(10)} ${'anon MB'.padStart(10)} ${'file MB'.padStart(10)} ${'swap MB'.padStart(9)} ${'peak MB'.padStart(10)}`);
    stages.forEach((s, i) => {
        const m = s.memory;
        const d = i ? mb(m.rss - stages[i - 1].memory.rss) : 0;
        lines.push(`${s.name.padEnd(24)} ${f(mb(m.rss), 10, 1)} ${sign(d, 10, 1)} ${f(mb(m.anon), 10, 1)} ${f(mb(m.file), 10, 1)} ${f(mb(m.swap), 9, 1)} ${f(mb(m.hwm), 10, 1)}`);
    });
    lines.push(`${'Peak recorded'.padEnd(24)} ${f(mb(peakKb), 10, 1)}${canReset ? '' : '   (VmHWM could not be reset: lifetime peak)'}`);
    lines.push('');
    const initial = stages[0].memory.rss;
    const created = stages[1].memory.rss;
    lines.push(`weights                      ${f(weightsMb, 10, 1)} MB`);
    lines.push(`session creation             ${sign(mb(created - initial), 10, 1)} MB  ${f(createS, 8, 3)} s`);
    lines.push(`1st run                      ${sign(mb(stages[2].memory.rss - created), 10, 1)} MB  ${f(firstS, 8, 3)} s`);
    lines.push(`2nd run                                     ${f(secondS, 8, 3)} s`);
    lines.push(`one-token forward (median of ${o.runs})        ${f(median(tokenS) * 1e3, 8, 2)} ms (min ${(Math.min(...tokenS) * 1e3).toFixed(2)} ms)`);
    lines.push(`peak RSS / weights           ${f(mb(peakKb) / weightsMb, 10, 2)} x   (above Initial: ${(mb(peakKb - initial) / weightsMb).toFixed(2)} x)`);
    console.log(lines.join('\n'));

    if (o.json) {
        const j = {
            peer: 'onnxruntime-node',
            version: ort.env.versions ? ort.env.versions.node : null,
            model: o.model,
            seq: o.seq,
            threads: o.threads,
            spin: o.spin,
            runs: o.runs,
            weights_mb: weightsMb,
            initial_rss_mb: mb(initial),
            peak_rss_mb: mb(peakKb),
            peak_reset_per_stage: canReset,
            session_create_s: createS,
            first_inference_s: firstS,
            second_inference_s: secondS,
            one_token_s: tokenS,
            one_token_median_s: median(tokenS),
            stages: stages.map((s) => ({
                name: s.name,
                rss_mb: mb(s.memory.rss),
                anon_mb: mb(s.memory.anon),
                file_mb: mb(s.memory.file),
                swap_mb: mb(s.memory.swap),
                peak_mb: mb(s.memory.hwm),
                seconds: s.seconds,
                cpu_seconds: s.cpuSeconds,
            })),
        };
        fs.writeFileSync(o.json, JSON.stringify(j, null, 2) + '\n');
    }
}

main().catch((e) => {
    console.error('ort_profile: ' + (e && e.message ? e.message : e));
    process.exit(1);
});
