#!/usr/bin/env python3
"""Medians and ratios of bench/run_peers.sh's raw files: a markdown table and a JSON summary.

usage: summarize_peers.py RAW_DIR OUT.md OUT.json
Only the standard library: the python3 on PATH may have no numpy.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, read_loads, run  # noqa: E402
from timefile import read_time  # noqa: E402



def stage(j, name):
    for s in j["stages"]:
        if s["name"] == name:
            return s
    raise KeyError(f"{j.get('model')}: no stage {name}")


def frugal_figures(j, t, w):
    return {
        "peak_rss_mib": j["peak_rss_mb"],
        "peak_per_weights": j["peak_rss_mb"] / w,
        "peak_above_initial_per_weights": (j["peak_rss_mb"] - j["stages"][0]["rss_mb"]) / w,
        "resident_per_weights": stage(j, "After 2nd inference")["rss_mb"] / w,
        "process_peak_per_weights": t["max_rss_mib"] / w,
        "load_compile_s": j["load_s"] + j["compile_s"],
        "first_forward_s": j["first_inference_s"],
        "forward_s": j["second_inference_s"],
        "process_cpu_s": t["cpu_s"],
        "process_wall_s": t["wall_s"],
    }


def ort_figures(j, t, w):
    return {
        "peak_rss_mib": j["peak_rss_mb"],
        "peak_per_weights": j["peak_rss_mb"] / w,
        "peak_above_initial_per_weights": (j["peak_rss_mb"] - j["initial_rss_mb"]) / w,
        "resident_per_weights": stage(j, "After 2nd run")["rss_mb"] / w,
        "process_peak_per_weights": t["max_rss_mib"] / w,
        "load_compile_s": j["session_create_s"],
        "first_forward_s": j["first_inference_s"],
        "forward_s": j["second_inference_s"],
        "one_token_s": j["one_token_median_s"],
        "process_cpu_s": t["cpu_s"],
        "process_wall_s": t["wall_s"],
    }


def collect(values):
    """{key: [per-repeat values]} -> {key: {median, min, max, values}}"""
    out = {}
    for k in values[0]:
        xs = [v[k] for v in values]
        out[k] = {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "values": xs}
    return out


def cell(stat, scale=1.0, digits=2):
    if stat is None:
        return "—"
    m, lo, hi = stat["median"] * scale, stat["min"] * scale, stat["max"] * scale
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def ratio(a, b, digits=2):
    if a is None or b is None or b["median"] == 0:
        return "—"
    return f"{a['median'] / b['median']:.{digits}f}"


WAIT_ORDER = {"spin": 0, "passive": 1}


def summarize(raw):
    machine = load(os.path.join(raw, "machine.json"))
    sizes = sorted(
        (load(os.path.join(raw, f)) for f in os.listdir(raw) if f.startswith("model-") and f.endswith(".json")),
        key=lambda m: m["weights_mib"],
    )
    waits = sorted((d for d in os.listdir(raw) if os.path.isdir(os.path.join(raw, d))), key=lambda d: WAIT_ORDER.get(d, 9))
    reps = machine["repeats"]
    result = {"machine": machine, "models": []}
    for m in sizes:
        size, w = m["size"], m["weights_mib"]
        entry = {"size": size, "model": m["model"], "weights_mib": w, "frugal_page_cache": {}, "waits": {}}
        for which in ("first", "pagecache", "reused"):
            j = load(os.path.join(raw, f"frugal-{size}-{which}.json"))
            entry["frugal_page_cache"][which + "_load_compile_s"] = j["load_s"] + j["compile_s"]
            entry["frugal_page_cache"][which + "_read_offline_s"] = j["load_s"]
            entry["frugal_page_cache"][which + "_compile_s"] = j["compile_s"]
        touch = load(os.path.join(raw, f"touch-{size}.txt"))["benchmarks"][0]
        entry["frugal_page_cache"]["first_touch_w_s"] = touch["real_time"] / 1000.0  # reported in ms
        for wait in waits:
            fr, ort, one = [], [], []
            for r in range(1, reps + 1):
                base = os.path.join(raw, wait, f"{{}}-{size}-{r}")
                fr.append(frugal_figures(load(base.format("frugal") + ".json"), read_time(base.format("frugal") + ".time"), w))
                ort.append(ort_figures(load(base.format("ort") + ".json"), read_time(base.format("ort") + ".time"), w))
                j1 = load(base.format("frugal1") + ".json")
                one.append({"one_token_s": j1["second_inference_s"]})
            fs = collect(fr)
            fs["one_token_s"] = collect(one)["one_token_s"]
            entry["waits"][wait] = {"frugal": fs, "ort": collect(ort)}
        result["models"].append(entry)
    loads = read_loads(raw)
    result["loadavg_1min"] = {"min": min(loads), "max": max(loads), "median": statistics.median(loads)} if loads else None
    return result


def markdown(s):
    mch = s["machine"]
    lines = [
        f"# frugal vs ONNX Runtime (onnxruntime-node 1.30.0) — {mch['date']}",
        "",
        f"Machine: {mch['cpu']}, {mch['cores']} cores, {mch['mem_gib']} GiB; frugal {mch['commit']}; "
        f"{mch['threads']} threads for both; {mch['repeats']} repeats in separate processes, alternating frugal and ORT.",
    ]
    la = s["loadavg_1min"]
    if la:
        lines.append(
            f"1-minute load average during the run: {la['min']:.1f}–{la['max']:.1f} (median {la['median']:.1f}) on "
            f"{mch['cores']} cores: the machine is shared, so times are noisy; compare the ratios, which come from the same run."
        )
    lines += [
        "",
        "Cells are median (min–max). Weights = the model's external data file (MiB). "
        "Peak RSS is the largest VmHWM over the stages (each stage resets it); ORT's includes node's own ~50 MiB, "
        "hence also the peak above the Initial stage. Load + compile is read + offline passes + compile for frugal and "
        "InferenceSession.create (graph optimization 'all') for ORT. Forward = the 2nd run on token_ids [1, 32]. "
        "One-token = [1, 1] input, no KV cache: frugal's is the 2nd inference of a `frugal profile --seq 1` process "
        "(one per repeat), ORT's the median of 10 runs in its process. Thread wait policy *spin*: both runtimes as they "
        "come (idle pool threads spin a while); *passive*: frugal under OMP_WAIT_POLICY=PASSIVE, ORT with "
        "session.intra_op.allow_spinning 0.",
        "",
        "## Summary",
        "",
        "| model | threads wait | weights MiB | peak/W frugal | peak/W ORT | load+compile s frugal | ORT | frugal/ORT | forward(32) s frugal | ORT | frugal/ORT | one-token ms frugal | ORT | frugal/ORT |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m, wait, fo in ((m, wait, fo) for m in s["models"] for wait, fo in m["waits"].items()):
        f, o = fo["frugal"], fo["ort"]
        lines.append(
            f"| gpt2-{m['size']} | {wait} | {m['weights_mib']:.1f} | {f['peak_per_weights']['median']:.2f} | {o['peak_per_weights']['median']:.2f} | "
            f"{f['load_compile_s']['median']:.2f} | {o['load_compile_s']['median']:.2f} | {ratio(f['load_compile_s'], o['load_compile_s'])} | "
            f"{f['forward_s']['median']:.3f} | {o['forward_s']['median']:.3f} | {ratio(f['forward_s'], o['forward_s'])} | "
            f"{f['one_token_s']['median'] * 1e3:.1f} | {o['one_token_s']['median'] * 1e3:.1f} | {ratio(f['one_token_s'], o['one_token_s'])} |"
        )
    rows = [
        ("peak RSS, MiB", "peak_rss_mib", 1, 1, True),
        ("peak RSS / weights", "peak_per_weights", 1, 2, True),
        ("peak RSS above Initial / weights", "peak_above_initial_per_weights", 1, 2, True),
        ("resident after 2nd run / weights", "resident_per_weights", 1, 2, True),
        ("whole-process max RSS (time -v) / weights", "process_peak_per_weights", 1, 2, True),
        ("load + compile, s", "load_compile_s", 1, 2, True),
        ("1st forward, 32 tokens, s", "first_forward_s", 1, 3, True),
        ("forward, 32 tokens (2nd run), s", "forward_s", 1, 3, True),
        ("one-token forward, ms", "one_token_s", 1e3, 1, True),
        ("process CPU time (user+sys), s", "process_cpu_s", 1, 1, False),
        ("process wall time, s", "process_wall_s", 1, 1, False),
    ]
    for m in s["models"]:
        pc = m["frugal_page_cache"]
        lines += ["", f"## gpt2-{m['size']} ({m['weights_mib']:.1f} MiB of weights)"]
        for wait, fo in m["waits"].items():
            f, o = fo["frugal"], fo["ort"]
            lines += [
                "",
                f"### threads wait: {wait}",
                "",
                "| | frugal | ONNX Runtime | frugal / ORT |",
                "|---|---|---|---|",
            ]
            for label, key, scale, digits, with_ratio in rows:
                lines.append(f"| {label} | {cell(f.get(key), scale, digits)} | {cell(o.get(key), scale, digits)} | "
                             f"{ratio(f.get(key), o.get(key)) if with_ratio else '—'} |")
        lines += [
            "",
            f"frugal load + compile of the first run of this model in the script: {pc['first_load_compile_s']:.2f} s "
            f"(read + offline {pc['first_read_offline_s']:.2f} s, compile {pc['first_compile_s']:.2f} s); "
            f"again, from the page cache after a 3 s pause: {pc['pagecache_load_compile_s']:.2f} s "
            f"(read + offline {pc['pagecache_read_offline_s']:.2f} s, compile {pc['pagecache_compile_s']:.2f} s). "
            f"The first write to W of fresh memory alone (BM_FirstTouch) after a 3 s pause: {pc['first_touch_w_s']:.2f} s; "
            f"frugal at once after it, on the pages it freed: {pc['reused_load_compile_s']:.2f} s "
            f"(read + offline {pc['reused_read_offline_s']:.2f} s, compile {pc['reused_compile_s']:.2f} s). "
            "Process CPU time counts spinning pool threads too.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run(__doc__, summarize, markdown)
