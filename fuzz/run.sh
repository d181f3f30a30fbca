#!/usr/bin/env bash
# Runs each fuzz target for FUZZ_SECONDS (default 60), one after the other:
#   run.sh BUILD_FUZZ_DIR FRUGAL [target...]
# The corpus grows in BUILD_FUZZ_DIR/corpus/<target> (seeded by make_seeds.sh on first use);
# a crashing, leaking or timing-out input is kept in fuzz/crashes/<target>/ and the run fails.
# Once fixed, move it to tests/regress/<target>/ so that ctest replays it (fuzz/CMakeLists.txt).
# FUZZ_ARGS adds libFuzzer options, e.g. "-fork=1 -ignore_crashes=1" to go on after a crash.
set -uo pipefail
BUILD=$1
FRUGAL=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
CORPUS=$BUILD/corpus
[ -d "$CORPUS" ] || bash "$HERE/make_seeds.sh" "$FRUGAL" "$CORPUS" || exit 1
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx ir einsum npy tokenizer_files tokenizer_json)
# fuzz_frugal_file only does something once the .frugal loader is merged (and seeded).
[ $# -gt 0 ] || [ ! -d "$CORPUS/frugal_file" ] || targets+=(frugal_file)
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  mkdir -p "$CORPUS/$t" "$HERE/crashes/$t"
  log=$BUILD/fuzz-$t.log
  echo "== fuzz_$t for ${SECONDS_EACH}s (log: $log)"
  # -rss_limit_mb above the targets' 512 MB tensor limit (fuzz_util.h), so that only what the
  # readers fail to bound trips it; -timeout catches hangs.
  # A compiled .frugal of the smallest model is about 200 KB: that target reads whole files.
  max_len=65536
  [ "$t" = frugal_file ] && max_len=1048576
  "$BUILD/fuzz/fuzz_$t" "$CORPUS/$t" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
    -max_len=$max_len -print_final_stats=1 -artifact_prefix="$HERE/crashes/$t/" ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1
  grep -E 'crash|leak|timeout|oom' "$log" | grep -E 'Test unit written|artifact' | head -5
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
  if [ $rc -ne 0 ]; then
    echo "fuzz_$t FAILED (exit $rc): see $log and fuzz/crashes/$t/"
    status=1
  fi
done
exit $status
