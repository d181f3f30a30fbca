# shellcheck shell=bash
# Shared by bench/run_*.sh: paths, setup of what the benchmarks need on a fresh Debian machine,
# the models, and the machine's state for the results. Sourced, not run.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
FRUGAL=${FRUGAL:-$ROOT/build/frugal}
BENCH_KERNELS=${BENCH_KERNELS:-$(dirname "$FRUGAL")/bench/frugal_bench_kernels}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
SIZES=${SIZES:-"base medium"}
RESULTS=${RESULTS:-$BENCH_DIR/results}
MODELS=${MODELS:-$ROOT/models}  # the scripts' first argument overrides it
DATE=${DATE:-$(date +%Y-%m-%d)}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Installs Debian packages that are missing (as root; otherwise says what to install).
apt_ensure() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        exit 1
    fi
    log "installing ${missing[*]}"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# build/frugal through the Makefile, which installs the build's own Debian packages.
ensure_frugal() {
    [ -x "$FRUGAL" ] && return 0
    log "building frugal (make build)"
    make -C "$ROOT" build JOBS="$THREADS" >&2
    [ -x "$FRUGAL" ] || { echo "no $FRUGAL after make build" >&2; exit 1; }
}

# What the scripts that race a peer need: frugal and its kernel benchmarks (make build builds
# both), node, and ONNX Runtime's npm package in bench/peers/node_modules.
ensure_peer_tools() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_ensure nodejs npm; fi
    ensure_frugal
    [ -x "$BENCH_KERNELS" ] || { echo "no $BENCH_KERNELS (make build builds it)" >&2; exit 1; }
    if [ ! -f "$BENCH_DIR/peers/node_modules/onnxruntime-node/package.json" ]; then
        log "installing onnxruntime-node into bench/peers/node_modules"
        # --ignore-scripts: the package ships its CPU binary; its install script only fetches GPU extras.
        (cd "$BENCH_DIR/peers" && npm ci --ignore-scripts --no-audit --no-fund >&2)
    fi
}

# MODELS/gpt2-SIZE.onnx (+ .onnx.data): the Keras-style GPT-2 that frugal makes, seed 0. The second
# argument: "embedded" keeps the weights inside the .onnx file; "kv" makes the variant with a KV cache
# (gpt2-SIZE-kv.onnx, the same weights).
ensure_model() {
    local size=$1 form=${2:-external} out
    if [ "$form" = embedded ]; then
        out=$MODELS/gpt2-$size-embedded.onnx
        [ -f "$out" ] || { log "making $out"; "$FRUGAL" make-model gpt2 --size "$size" --seed 0 -o "$out" >&2; }
    else
        local suffix="" cache=()
        if [ "$form" = kv ]; then suffix=-kv cache=(--cache kv); fi
        out=$MODELS/gpt2-$size$suffix.onnx
        if [ ! -f "$out" ] || [ ! -f "$out.data" ]; then
            log "making $out"
            "$FRUGAL" make-model gpt2 --size "$size" --seed 0 "${cache[@]}" --external-data -o "$out" >&2
        fi
    fi
    echo "$out"
}

# The model's weight bytes in MiB: the external data file, or the whole file for an embedded model.
weights_mib() {
    local f=$1
    if [ -f "$f.data" ]; then stat -L -c %s "$f.data"; else stat -L -c %s "$f"; fi | awk '{printf "%.3f", $1 / 1048576}'
}

# One line of machine state, written beside each measurement: the other work on this machine is the
# main source of noise.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

machine_json() {
    local cpu mem commit
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
    mem=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if ! git -C "$ROOT" diff --quiet HEAD -- src tools 2>/dev/null; then commit="$commit+dirty"; fi
    printf '{"date": "%s", "cpu": "%s", "cores": %s, "mem_gib": %s, "commit": "%s", "threads": %s, "repeats": %s, "loadavg_start": "%s"}\n' \
        "$DATE" "$cpu" "$(nproc)" "$mem" "$commit" "$THREADS" "$REPEATS" "$(loadavg)"
}
