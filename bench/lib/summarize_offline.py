#!/usr/bin/env python3
"""Medians of bench/run_offline.sh's raw files: a markdown table and a JSON summary.

usage: summarize_offline.py RAW_DIR OUT.md OUT.json
"""
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, read_loads, run  # noqa: E402
from timefile import read_time  # noqa: E402

RUN = re.compile(r"^convert-(?P<size>[a-z]+)-(?P<form>[a-z]+)-(?P<mode>[a-z]+)-(?P<rep>\d+)\.txt$")
MODE_ORDER = {"constant": 0, "none": 1, "all": 2}
SIZE_ORDER = {"tiny": 0, "base": 1, "medium": 2}
FORM_ORDER = {"external": 0, "embedded": 1}


def read_report(path):
    """The rows of `frugal convert --report`'s per-pass table."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 7 or parts[0] == "pass":
                continue
            name, ms, changed, nodes, rss, delta, peak = parts
            rows.append({"name": name, "ms": float(ms), "changed": int(changed), "nodes": int(nodes), "rss_mib": float(rss),
                         "delta_mib": float(delta), "peak_mib": float(peak)})
    if not rows:
        raise RuntimeError(f"{path}: no pass table")
    return rows


def figures(rows, t, w):
    start = rows[0]["rss_mib"] - rows[0]["delta_mib"]
    peak = max(r["peak_mib"] for r in rows)
    return {
        "wall_s": t["wall_s"],
        "cpu_s": t["cpu_s"],
        "passes_ms": sum(r["ms"] for r in rows),
        "nodes_after": rows[-1]["nodes"],
        "rss_before_passes_mib": start,
        "pass_peak_mib": peak,
        "pass_peak_above_loaded_mib": peak - start,
        "process_peak_mib": t["max_rss_mib"],
        "process_peak_per_weights": t["max_rss_mib"] / w,
    }


def med(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "values": xs}


def summarize(raw):
    machine = load(os.path.join(raw, "machine.json"))
    groups = {}
    for f in os.listdir(raw):
        m = RUN.match(f)
        if m:
            groups.setdefault((m["size"], m["form"], m["mode"]), []).append(os.path.join(raw, f[:-4]))
    out = []
    for (size, form, mode), bases in sorted(groups.items(), key=lambda kv: (SIZE_ORDER.get(kv[0][0], 9), FORM_ORDER.get(kv[0][1], 9), MODE_ORDER.get(kv[0][2], 9))):
        model = load(os.path.join(raw, f"model-{size}-{form}.json"))
        w = model["weights_mib"]
        runs = [(read_report(b + ".txt"), read_time(b + ".time")) for b in sorted(bases)]
        per_run = [figures(rows, t, w) for rows, t in runs]
        stats = {k: med([r[k] for r in per_run]) for k in per_run[0]}
        # Per pass, the median over the repeats of each row (the pass list is the same every run).
        passes = []
        for i, first in enumerate(runs[0][0]):
            col = [rows[i] for rows, _ in runs]
            passes.append({"name": first["name"], "ms": statistics.median(c["ms"] for c in col), "changed": first["changed"],
                           "nodes": first["nodes"], "rss_mib": statistics.median(c["rss_mib"] for c in col),
                           "delta_mib": statistics.median(c["delta_mib"] for c in col),
                           "peak_mib": statistics.median(c["peak_mib"] for c in col)})
        out.append({"size": size, "form": form, "mode": mode, "weights_mib": w, "repeats": len(runs), "stats": stats, "passes": passes})
    loads = read_loads(raw)
    return {"machine": machine, "runs": out, "loadavg_1min": med(loads) if loads else None}



def c(stat, digits=2, scale=1.0):
    return f"{stat['median'] * scale:.{digits}f} ({stat['min'] * scale:.{digits}f}–{stat['max'] * scale:.{digits}f})"


def markdown(s):
    mch = s["machine"]
    lines = [f"# frugal offline pipeline (frugal convert) — {mch['date']}", "",
             f"Machine: {mch['cpu']}, {mch['cores']} cores, {mch['mem_gib']} GiB; frugal {mch['commit']}; "
             f"{mch['repeats']} repeats per row; inputs read from the page cache."]
    la = s["loadavg_1min"]
    if la:
        lines.append(f"1-minute load average during the run: {la['min']:.1f}–{la['max']:.1f} (median {la['median']:.1f}) on "
                     f"{mch['cores']} cores: a shared machine, so times are noisy.")
    lines += [
        "",
        "`frugal convert IN -o OUT --external-data --einsum MODE --report` on the Keras-style GPT-2 of `frugal make-model` "
        "(seed 0). Input *external*: weights in IN.data, mapped when read. Input *embedded*: weights inside the .onnx, moved "
        "out of the parsed message. The output always goes to external data. Cells are median (min–max).",
        "",
        "- wall, CPU: the whole process (read, passes, write), from /usr/bin/time -v.",
        "- passes: the sum of the per-pass times of --report.",
        "- RSS before passes: the loaded model (for *external* the weights are mapped but not yet touched).",
        "- pass peak above loaded: the largest per-pass VmHWM minus the RSS before the passes: what the passes cost.",
        "- process peak: /usr/bin/time's maximum RSS, writing included (writing touches every mapped weight page, "
        "which then counts as file-backed RSS).",
        "",
        "| model | input | --einsum | wall s | CPU s | passes ms | nodes after | RSS before passes MiB | pass peak above loaded MiB | process peak MiB | process peak / W |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["runs"]:
        st = r["stats"]
        lines.append(
            f"| gpt2-{r['size']} ({r['weights_mib']:.0f} MiB) | {r['form']} | {r['mode']} | {c(st['wall_s'])} | {c(st['cpu_s'])} | "
            f"{c(st['passes_ms'], 1)} | {st['nodes_after']['median']:.0f} | {st['rss_before_passes_mib']['median']:.1f} | "
            f"{c(st['pass_peak_above_loaded_mib'], 1)} | {st['process_peak_mib']['median']:.1f} | {st['process_peak_per_weights']['median']:.2f} |")
    for r in s["runs"]:
        if r["mode"] != "constant":
            continue
        lines += ["", f"### Passes, gpt2-{r['size']}, {r['form']} input, --einsum constant (medians)", "",
                  "| pass | time ms | changed | nodes | RSS MiB | delta MiB | peak MiB |", "|---|---|---|---|---|---|---|"]
        for p in r["passes"]:
            lines.append(f"| {p['name']} | {p['ms']:.2f} | {p['changed']} | {p['nodes']} | {p['rss_mib']:.1f} | {p['delta_mib']:+.1f} | {p['peak_mib']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run(__doc__, summarize, markdown)
