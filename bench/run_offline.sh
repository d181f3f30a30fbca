#!/usr/bin/env bash
# The offline pipeline (frugal convert: cleanup, fold constants, decompose Einsums, fold again, dead
# code, dedupe, then write) on the GPT-2 that frugal make-model builds, for each --einsum mode.
#
#   bench/run_offline.sh [MODELS_DIR]      (default: models/ at the repository root)
#
# For each size, each input form (external: weights in MODEL.onnx.data, which reading maps;
# embedded: weights inside the .onnx, which reading moves out of the parsed message) and each
# --einsum mode (constant, none, all), REPEATS times: `frugal convert --report --external-data`
# under /usr/bin/time -v (whole-process peak, wall and CPU time) with the per-pass table (time,
# nodes, RSS and peak per pass). The outputs go to MODELS_DIR/converted/ and are removed at the end.
# Writes bench/results/DATE-offline.md, DATE-offline.json and the raw reports in DATE-offline/.
#
# Environment: REPEATS (3), SIZES ("base medium"), FORMS ("external embedded"),
# MODES ("constant none all"), FRUGAL, RESULTS, DATE.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MODELS=$(mkdir -p "${1:-$MODELS}" && cd "${1:-$MODELS}" && pwd)
FORMS=${FORMS:-"external embedded"}
MODES=${MODES:-"constant none all"}
RAW=$RESULTS/$DATE-offline
OUTDIR=$MODELS/converted
mkdir -p "$RAW" "$OUTDIR"

apt_ensure time python3
ensure_frugal
machine_json >"$RAW/machine.json"
: >"$RAW/load.log"

for size in $SIZES; do
    for form in $FORMS; do
        model=$(ensure_model "$size" "$form")
        echo "{\"size\": \"$size\", \"form\": \"$form\", \"model\": \"$model\", \"weights_mib\": $(weights_mib "$model")}" \
            >"$RAW/model-$size-$form.json"
        cat "$model" >/dev/null  # every run reads from the page cache
        if [ -f "$model.data" ]; then cat "$model.data" >/dev/null; fi
        for rep in $(seq 1 "$REPEATS"); do
            for mode in $MODES; do
                name=convert-$size-$form-$mode-$rep
                log "$name"
                echo "$name before $(loadavg)" >>"$RAW/load.log"
                /usr/bin/time -v -o "$RAW/$name.time" "$FRUGAL" convert "$model" -o "$OUTDIR/gpt2-$size-$form-$mode.onnx" \
                    --external-data --einsum "$mode" --report >"$RAW/$name.txt"
                echo "$name after $(loadavg)" >>"$RAW/load.log"
            done
        done
        for mode in $MODES; do rm -f "$OUTDIR/gpt2-$size-$form-$mode.onnx" "$OUTDIR/gpt2-$size-$form-$mode.onnx.data"; done
    done
done
rmdir "$OUTDIR" 2>/dev/null || true

echo "end $(loadavg)" >>"$RAW/load.log"
python3 "$BENCH_DIR/lib/summarize_offline.py" "$RAW" "$RESULTS/$DATE-offline.md" "$RESULTS/$DATE-offline.json"
log "wrote $RESULTS/$DATE-offline.md"
