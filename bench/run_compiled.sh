#!/usr/bin/env bash
# Load + compile from ONNX against loading a compiled .frugal file, and the packing's own speed.
#
#   bench/run_compiled.sh [MODELS_DIR]      (default: models/ at the repository root)
#
# For each size: `frugal compile MODELS_DIR/gpt2-SIZE.onnx -o MODELS_DIR/gpt2-SIZE.frugal`, then
# REPEATS times, alternating, `frugal profile` of the .onnx and of the .frugal (--seq 32, THREADS
# threads, OMP_WAIT_POLICY=PASSIVE), both files in the page cache; then the packing benchmarks of
# build/bench/frugal_bench_kernels (BM_PackPanels: the loop alone; BM_PackWeight: a whole pack()
# with the packed copy's allocation and page faults, ours against oneDNN's reorder).
# Writes bench/results/DATE-compiled.md and the raw JSON in DATE-compiled/.
#
# Environment: REPEATS (3), SIZES ("base medium"), THREADS (2), FRUGAL, RESULTS, DATE.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MODELS=$(mkdir -p "${1:-$MODELS}" && cd "${1:-$MODELS}" && pwd)
RAW=$RESULTS/$DATE-compiled
mkdir -p "$RAW"
ensure_frugal
machine_json >"$RAW/machine.json"
export OMP_WAIT_POLICY=PASSIVE

for size in $SIZES; do
    model=$(ensure_model "$size" external)
    compiled=${model%.onnx}.frugal
    log "compiling $compiled"
    "$FRUGAL" compile "$model" -o "$compiled" --threads "$THREADS" >"$RAW/compile-$size.txt"
    cat "$model.data" "$compiled" >/dev/null
    for rep in $(seq 1 "$REPEATS"); do
        for form in onnx frugal; do
            f=$model
            [ "$form" = frugal ] && f=$compiled
            log "profile $size $form $rep (load $(loadavg))"
            "$FRUGAL" profile "$f" --seq 32 --threads "$THREADS" --json "$RAW/profile-$size-$form-$rep.json" >/dev/null
        done
    done
done
BENCH=$ROOT/build/bench/frugal_bench_kernels
if [ -x "$BENCH" ]; then
    log "packing benchmarks"
    "$BENCH" --benchmark_filter='BM_Pack(Panels|Weight)' --benchmark_min_time=0.3 >"$RAW/bench-pack.txt" 2>&1 || true
fi

/usr/bin/python3 - "$RAW" "$RESULTS/$DATE-compiled.md" <<'PY'
import glob, json, os, statistics, sys
raw, out = sys.argv[1], sys.argv[2]
rows = {}
for f in sorted(glob.glob(os.path.join(raw, "profile-*.json"))):
    _, size, form, _ = os.path.basename(f)[:-5].split("-")
    rows.setdefault((size, form), []).append(json.load(open(f)))
lines = ["# Load + compile from ONNX and from a compiled .frugal file", "",
         "Medians over the repeats; `frugal profile --seq 32`, OMP_WAIT_POLICY=PASSIVE. W = weights.", "",
         "| model | file | load s | compile s | load + compile s | 1st inference s | 2nd inference s | peak RSS / W |",
         "|---|---|---|---|---|---|---|---|"]
for (size, form), js in sorted(rows.items()):
    med = lambda k: statistics.median(j[k] for j in js)
    lc = statistics.median(j["load_s"] + j["compile_s"] for j in js)
    peak = statistics.median(j["peak_rss_mb"] / j["weights_mb"] for j in js)
    lines.append(f"| {size} | .{form} | {med('load_s'):.3f} | {med('compile_s'):.3f} | {lc:.3f} | "
                 f"{med('first_inference_s'):.3f} | {med('second_inference_s'):.3f} | {peak:.3f} |")
bench = os.path.join(raw, "bench-pack.txt")
if os.path.exists(bench):
    lines += ["", "Packing (bench_kernels, bytes of the source weight per second):", "```"]
    lines += [l.rstrip() for l in open(bench) if l.startswith("BM_Pack")]
    lines += ["```"]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
