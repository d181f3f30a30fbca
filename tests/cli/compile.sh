#!/usr/bin/env bash
# frugal compile: a .frugal file runs to the same logits, bit for bit, as the model it came from;
# run, profile, generate and dump take it; edited, truncated and foreign files get clear errors.
# Usage: compile.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
PY=/usr/bin/python3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
source "$(dirname "$0")/lib/assert.sh"

"$FRUGAL" make-model gpt2 --size tiny --seed 6 --external-data -o "$DIR/tiny.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
"$FRUGAL" make-model gpt2 --size tiny --seed 6 --cache kv -o "$DIR/kv.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
$PY -c "import numpy as np; np.save('$DIR/ids.npy', np.random.default_rng(2).integers(0, 1000, (2, 9)).astype(np.int64))"
field() { $PY -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
bit_equal() { $PY -c "import numpy as np, sys; a, b = np.load(sys.argv[1]), np.load(sys.argv[2]); sys.exit(0 if a.shape == b.shape and a.tobytes() == b.tobytes() else 'differ')" "$1" "$2"; }

expect_ok compile "$FRUGAL" compile "$DIR/tiny.onnx" -o "$DIR/tiny.frugal"
expect_ok magic $PY -c "import sys; sys.exit(0 if open('$DIR/tiny.frugal', 'rb').read(8) == b'FRUGALCM' else 1)"
expect_ok run_onnx "$FRUGAL" run "$DIR/tiny.onnx" --input token_ids="$DIR/ids.npy" -o "$DIR/out_onnx"
expect_ok run_frugal "$FRUGAL" run "$DIR/tiny.frugal" --input token_ids="$DIR/ids.npy" -o "$DIR/out_frugal"
expect_ok same_logits bit_equal "$DIR/out_frugal/logits.npy" "$DIR/out_onnx/logits.npy"
expect_ok run_threads "$FRUGAL" run "$DIR/tiny.frugal" --threads 1 --input token_ids="$DIR/ids.npy" -o "$DIR/out_t1"
expect_ok same_logits_one_thread bit_equal "$DIR/out_t1/logits.npy" "$DIR/out_onnx/logits.npy"
expect_error reference_needs_source "needs the source model" "$FRUGAL" run "$DIR/tiny.frugal" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/x"

expect_ok profile "$FRUGAL" profile "$DIR/tiny.frugal" --seq 8 --json "$DIR/p.json"
expect_ok profile_no_compile test "$(field "$DIR/p.json" compile_s)" = 0.0
expect_ok dump_shows_fused sh -c "'$FRUGAL' dump '$DIR/tiny.frugal' | grep -q FusedMatMul"

expect_ok compile_kv "$FRUGAL" compile "$DIR/kv.onnx" -o "$DIR/kv.frugal"
expect_ok generate_onnx "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 5,6,7 --max-new-tokens 8 --greedy --json "$DIR/g1.json"
expect_ok generate_frugal "$FRUGAL" generate "$DIR/kv.frugal" --prompt-ids 5,6,7 --max-new-tokens 8 --greedy --json "$DIR/g2.json"
expect_ok same_tokens test "$(field "$DIR/g1.json" ids)" = "$(field "$DIR/g2.json" ids)"

# Refusals: another frugal version, another CPU, a truncated file, a file that is not one.
edit() {  # edit SRC DST OFFSET TEXT: TEXT over the bytes at OFFSET, NUL-padded to 40 bytes
    $PY -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); o = int(sys.argv[3]); t = sys.argv[4].encode(); b[o:o + 40] = t + bytes(40 - len(t)); open(sys.argv[2], 'wb').write(b)" "$@"
}
edit "$DIR/tiny.frugal" "$DIR/old.frugal" 40 "0.0.1"
expect_error other_version "old.frugal: compiled by frugal 0.0.1" "$FRUGAL" run "$DIR/old.frugal" --input token_ids="$DIR/ids.npy" -o "$DIR/x"
edit "$DIR/tiny.frugal" "$DIR/cpu.frugal" 96 "onednn 2.6.3 isa avx2; kernels avx2 fma"
expect_error other_cpu "cpu.frugal: compiled for another CPU" "$FRUGAL" profile "$DIR/cpu.frugal"
head -c 5000 "$DIR/tiny.frugal" > "$DIR/cut.frugal"
expect_error truncated "cut.frugal.*truncated" "$FRUGAL" run "$DIR/cut.frugal" --input token_ids="$DIR/ids.npy" -o "$DIR/x"
echo "not a model" > "$DIR/fake.frugal"
expect_error not_compiled "fake.frugal: not a compiled frugal file" "$FRUGAL" run "$DIR/fake.frugal" --input token_ids="$DIR/ids.npy" -o "$DIR/x"
expect_error compile_compiled "is a compiled file already" "$FRUGAL" compile "$DIR/tiny.frugal" -o "$DIR/again.frugal"
expect_error convert_compiled "is a compiled frugal file" "$FRUGAL" convert "$DIR/tiny.frugal" -o "$DIR/back.onnx"
finish
