#!/usr/bin/env python3
"""Medians and ratios of bench/run_decode.sh's raw files: a markdown table and a JSON summary.

usage: summarize_decode.py RAW_DIR OUT.md OUT.json
Only the standard library: the python3 on PATH may have no numpy.
"""
import glob
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, run  # noqa: E402


def read_bandwidth_gbs(raw):
    """Median bytes/s of the BM_ReadBandwidth repetitions, in GB/s (10^9)."""
    runs = [b for b in load(os.path.join(raw, "bandwidth.json"))["benchmarks"]
            if b.get("run_type") == "iteration" and "bytes_per_second" in b]
    return statistics.median(b["bytes_per_second"] for b in runs) / 1e9


def spread(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def summarize(raw):
    machine = load(os.path.join(raw, "machine.json"))
    bandwidth = read_bandwidth_gbs(raw)
    sizes = []
    for mf in sorted(glob.glob(os.path.join(raw, "model-*.json"))):
        m = load(mf)
        size = m["size"]
        weights_bytes = m["weights_mib"] * 1048576
        bound_ms = weights_bytes / (bandwidth * 1e9) * 1e3
        fr = [load(p) for p in sorted(glob.glob(os.path.join(raw, f"frugal-{size}-*.json")))]
        ort = [load(p) for p in sorted(glob.glob(os.path.join(raw, f"ort-{size}-*.json")))]
        f_ms = spread([j["decode_ms_per_token"] for j in fr])
        o_ms = spread([j["decode_ms_per_token"] for j in ort])
        row = {
            "size": size,
            "weights_mib": m["weights_mib"],
            "bound_ms": bound_ms,
            "frugal_decode_ms": f_ms,
            "frugal_over_bound": f_ms["median"] / bound_ms,
            "frugal_first_token_s": statistics.median(j["time_to_first_token_s"] for j in fr),
            "frugal_peak_rss_mib": statistics.median(j["peak_rss_mb"] for j in fr),
            "frugal_cache_in_place": all(j.get("cache_in_place", False) for j in fr),
            "ort_decode_ms": o_ms,
            "ort_over_frugal": o_ms["median"] / f_ms["median"],
            "ort_first_token_s": statistics.median(j["time_to_first_token_s"] for j in ort),
        }
        # ORT makes fewer tokens (it is slow); its ids must be the start of frugal's.
        row["ort_ids_agree"] = all(j["ids"] == fr[0]["ids"][:len(j["ids"])] for j in ort)
        rc = os.path.join(raw, f"recompute-{size}.json")
        if os.path.exists(rc):
            r = load(rc)
            row["recompute_tokens"] = len(r["ids"])
            row["cached_equals_recompute"] = all(j["ids"] == r["ids"] for j in fr)
        sizes.append(row)

    return {"machine": machine, "read_bandwidth_gbs": bandwidth, "sizes": sizes}


def markdown(summary):
    machine, bandwidth, sizes = summary["machine"], summary["read_bandwidth_gbs"], summary["sizes"]

    def ms(s):
        return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"

    lines = [
        f"# Decode with a KV cache, {machine['date']} ({machine['commit']})",
        "",
        f"{machine['cpu']}, {machine['cores']} cores, threads {machine['threads']}, repeats {machine['repeats']}, "
        f"load at start {machine['loadavg_start']}, idle threads {machine.get('wait', 'passive')} "
        f"(frugal OMP_WAIT_POLICY={machine.get('wait', 'passive').upper()}, ORT "
        f"{'without' if machine.get('wait', 'passive') == 'passive' else 'with'} spinning). "
        f"Read bandwidth (BM_ReadBandwidth, median of 5): "
        f"**{bandwidth:.1f} GB/s**. Bound = weight bytes / read bandwidth.",
        "",
        "| size | weights MiB | bound ms | frugal ms/token | frugal / bound | ORT ms/token | ORT / frugal "
        "| first token frugal / ORT s | frugal peak MiB | cache in place | ORT ids agree | cached = recompute |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sizes:
        check = "n/a"
        if "cached_equals_recompute" in r:
            check = f"{'yes' if r['cached_equals_recompute'] else 'NO'} ({r['recompute_tokens']} tokens)"
        lines.append(
            f"| {r['size']} | {r['weights_mib']:.0f} | {r['bound_ms']:.2f} | {ms(r['frugal_decode_ms'])} | "
            f"{r['frugal_over_bound']:.2f}x | {ms(r['ort_decode_ms'])} | {r['ort_over_frugal']:.1f}x | "
            f"{r['frugal_first_token_s']:.3f} / {r['ort_first_token_s']:.3f} | {r['frugal_peak_rss_mib']:.0f} | "
            f"{'yes' if r['frugal_cache_in_place'] else 'no'} | {'yes' if r['ort_ids_agree'] else 'NO'} | {check} |")
    lines.append("")
    lines.append("Medians (min-max) over the repeats; a decode figure is the median step of one run.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run(__doc__, summarize, markdown)
