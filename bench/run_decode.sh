#!/usr/bin/env bash
# Decoding with a KV cache: frugal generate against the memory-bandwidth bound and against ONNX
# Runtime (npm onnxruntime-node) decoding the same .onnx file, in one run.
#
#   bench/run_decode.sh [MODELS_DIR]      (default: models/ at the repository root)
#
# In this order, on the same machine in the same run:
#   1. the read bandwidth: build/bench/frugal_bench_kernels --benchmark_filter=BM_ReadBandwidth
#      (a 1 GiB sum with the kernel threads); the bound of a decode step is weight bytes / that.
#   2. for each size (the --cache kv model, seed 0), REPEATS times, alternating:
#      frugal generate MODEL --prompt-ids P --max-new-tokens NEW --greedy --threads T --json, and
#      node bench/peers/ort_decode.js MODEL --prompt-ids P --new ORT_NEW (ORT feeds present.* back
#      as past_key_values.* each step, its usual way with these models).
#   3. for each size in CHECK_SIZES, the cached model's greedy ids against full recomputation:
#      frugal generate on the model without a cache (same seed, same weights), NEW tokens.
# WAIT=passive (the default): threads sleep when idle in both runtimes (OMP_WAIT_POLICY=PASSIVE,
# frugal's own default; ORT --no-spin): the machine is shared and a spinning thread takes the core
# from the one with work (see bench/README.md). WAIT=active: idle threads spin in both
# (OMP_WAIT_POLICY=ACTIVE; ORT as it ships), what a machine kept for the model can afford: no
# thread then waits tens of microseconds to be woken at each of a step's ~90 parallel regions.
# Writes bench/results/DATE-decode.md, DATE-decode.json and the raw files in DATE-decode/ (with
# WAIT=active: DATE-decode-active.md and so on).
#
# Environment: THREADS (2), REPEATS (3), SIZES ("base medium"), NEW (64), ORT_NEW (16),
# CHECK_SIZES ("base"), PROMPT ("17,4,999,250,3,77,12,600": ids every size has), WAIT (passive),
# FRUGAL, RESULTS, DATE.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MODELS=$(mkdir -p "${1:-$MODELS}" && cd "${1:-$MODELS}" && pwd)
NEW=${NEW:-64}
ORT_NEW=${ORT_NEW:-16}
CHECK_SIZES=${CHECK_SIZES:-base}
PROMPT=${PROMPT:-17,4,999,250,3,77,12,600}
PEERS=$BENCH_DIR/peers
WAIT=${WAIT:-passive}
case $WAIT in
    passive) NAME=$DATE-decode ORT_SPIN=(--no-spin) ;;
    active) NAME=$DATE-decode-active ORT_SPIN=() ;;
    *) echo "WAIT: passive or active, got '$WAIT'" >&2; exit 2 ;;
esac
RAW=$RESULTS/$NAME
mkdir -p "$RAW"

apt_ensure python3
ensure_peer_tools
export OMP_WAIT_POLICY=${WAIT^^}
machine_json | sed "s/}\$/, \"wait\": \"$WAIT\"}/" >"$RAW/machine.json"

log "read bandwidth"
"$BENCH_KERNELS" --benchmark_filter='BM_ReadBandwidth' --benchmark_repetitions=5 --benchmark_format=json >"$RAW/bandwidth.json"

for size in $SIZES; do
    model=$(ensure_model "$size" kv)
    w=$(weights_mib "$model")
    echo "{\"size\": \"$size\", \"model\": \"$model\", \"weights_mib\": $w}" >"$RAW/model-$size.json"
    for rep in $(seq 1 "$REPEATS"); do
        log "frugal $size $rep"
        "$FRUGAL" generate "$model" --prompt-ids "$PROMPT" --max-new-tokens "$NEW" --greedy --threads "$THREADS" \
            --json "$RAW/frugal-$size-$rep.json" >"$RAW/frugal-$size-$rep.txt" 2>&1
        log "ort $size $rep"
        node "$PEERS/ort_decode.js" "$model" --prompt-ids "$PROMPT" --new "$ORT_NEW" --threads "$THREADS" "${ORT_SPIN[@]}" \
            --json "$RAW/ort-$size-$rep.json" >"$RAW/ort-$size-$rep.txt" 2>&1
    done
done
for size in $CHECK_SIZES; do
    model=$(ensure_model "$size")
    log "recompute $size"
    "$FRUGAL" generate "$model" --prompt-ids "$PROMPT" --max-new-tokens "$NEW" --greedy --threads "$THREADS" \
        --json "$RAW/recompute-$size.json" >"$RAW/recompute-$size.txt" 2>&1
done

python3 "$BENCH_DIR/lib/summarize_decode.py" "$RAW" "$RESULTS/$NAME.md" "$RESULTS/$NAME.json"
log "wrote $RESULTS/$NAME.md"
