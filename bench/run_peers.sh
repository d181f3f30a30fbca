#!/usr/bin/env bash
# frugal against ONNX Runtime (npm onnxruntime-node) on the same .onnx files, in one run.
#
#   bench/run_peers.sh [MODELS_DIR]      (default: models/ at the repository root)
#
# For each GPT-2 size (frugal make-model, external data), REPEATS times in separate processes,
# alternating between the two runtimes so that the machine's load falls on both alike:
#   frugal profile --seq 32, node bench/peers/ort_profile.js --seq 32, frugal profile --seq 1
# (frugal's one-token figure is the 2nd inference of a [1, 1] run; ORT's is the median of RUNS
# [1, 1] runs in its process). Each of these under every thread wait policy of WAITS:
#   spin     pool threads spin a while when idle: ORT as it comes, frugal with libgomp's default
#            spin count (GOMP_SPINCOUNT=300000; frugal itself defaults to passive)
#   passive  idle threads sleep at once: OMP_WAIT_POLICY=PASSIVE for frugal (its default), ORT with
#            session.intra_op.allow_spinning 0 (on a machine busier than its cores, spinning
#            threads take the core from the thread that has work)
# Before those, frugal's load + compile three times: first as it comes; again from the page cache,
# after a pause (so that the memory the first run freed is not handed out again at once: on a
# virtual machine the host takes back pages free for about a second, and a process that takes
# fresh pages then waits for the host); then the first write to W of fresh memory alone
# (frugal_bench_kernels BM_FirstTouch, the cost of the packed copy's pages by themselves), and at
# once frugal again, on the pages that probe has just freed. Each process runs under /usr/bin/time -v for its whole-process peak and CPU time. Writes
# bench/results/DATE-peers.md, DATE-peers.json (medians) and the raw JSON and logs in DATE-peers/.
#
# Environment: THREADS (2), REPEATS (3), SIZES ("base medium"), WAITS ("spin passive"), SEQ (32),
# RUNS (10), FRUGAL, RESULTS, DATE.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MODELS=$(mkdir -p "${1:-$MODELS}" && cd "${1:-$MODELS}" && pwd)
SEQ=${SEQ:-32}
RUNS=${RUNS:-10}
WAITS=${WAITS:-"spin passive"}
PEERS=$BENCH_DIR/peers
RAW=$RESULTS/$DATE-peers
mkdir -p "$RAW"

apt_ensure time python3
ensure_peer_tools

machine_json >"$RAW/machine.json"
for wait in $WAITS; do
    case $wait in spin | passive) mkdir -p "$RAW/$wait" ;; *) echo "WAITS: spin or passive, got '$wait'" >&2; exit 2 ;; esac
done
: >"$RAW/load.log"

# run NAME CMD...: CMD under /usr/bin/time -v; stdout to NAME.txt, time's report to NAME.time, and
# the load average before and after to load.log.
run() {
    local name=$1
    shift
    log "$name"
    echo "$name before $(loadavg)" >>"$RAW/load.log"
    /usr/bin/time -v -o "$RAW/$name.time" "$@" >"$RAW/$name.txt"
    echo "$name after $(loadavg)" >>"$RAW/load.log"
}

for size in $SIZES; do
    model=$(ensure_model "$size")
    w=$(weights_mib "$model")
    echo "{\"size\": \"$size\", \"model\": \"$model\", \"weights_mib\": $w}" >"$RAW/model-$size.json"
    # The page-cache pair runs frugal as it comes (spin).
    run "frugal-$size-first" env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000 "$FRUGAL" profile "$model" --seq "$SEQ" --threads "$THREADS" --json "$RAW/frugal-$size-first.json"
    sleep 3
    run "frugal-$size-pagecache" env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000 "$FRUGAL" profile "$model" --seq "$SEQ" --threads "$THREADS" --json "$RAW/frugal-$size-pagecache.json"
    sleep 3
    run "touch-$size" env FRUGAL_BENCH_TOUCH_MB="${w%.*}" "$BENCH_KERNELS" --benchmark_filter=BM_FirstTouch --benchmark_format=json
    run "frugal-$size-reused" env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000 "$FRUGAL" profile "$model" --seq "$SEQ" --threads "$THREADS" --json "$RAW/frugal-$size-reused.json"
    for rep in $(seq 1 "$REPEATS"); do
        for wait in $WAITS; do
            # spin: libgomp's default spin count (frugal keeps it when GOMP_SPINCOUNT is set).
            if [ "$wait" = passive ]; then omp=(env OMP_WAIT_POLICY=PASSIVE) ort=(--no-spin); else omp=(env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000) ort=(); fi
            run "$wait/frugal-$size-$rep" "${omp[@]}" "$FRUGAL" profile "$model" --seq "$SEQ" --threads "$THREADS" \
                --json "$RAW/$wait/frugal-$size-$rep.json"
            run "$wait/ort-$size-$rep" node "$PEERS/ort_profile.js" "$model" --seq "$SEQ" --threads "$THREADS" --runs "$RUNS" \
                --weights-mb "$w" "${ort[@]}" --json "$RAW/$wait/ort-$size-$rep.json"
            run "$wait/frugal1-$size-$rep" "${omp[@]}" "$FRUGAL" profile "$model" --seq 1 --threads "$THREADS" \
                --json "$RAW/$wait/frugal1-$size-$rep.json"
        done
    done
done

echo "end $(loadavg)" >>"$RAW/load.log"
python3 "$BENCH_DIR/lib/summarize_peers.py" "$RAW" "$RESULTS/$DATE-peers.md" "$RESULTS/$DATE-peers.json"
log "wrote $RESULTS/$DATE-peers.md"
