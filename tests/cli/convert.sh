#!/usr/bin/env bash
# frugal convert: the offline passes write valid ONNX (onnx's checker passes) whose outputs equal
# the original's within 1e-5 relative, with the Einsums each --einsum mode promises.
# Usage: convert.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
PY=/usr/bin/python3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
source "$(dirname "$0")/lib/assert.sh"

"$FRUGAL" make-model gpt2 --size tiny --seed 5 -o "$DIR/tiny.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
$PY -c "import numpy as np; np.save('$DIR/ids.npy', np.random.default_rng(1).integers(0, 1000, (2, 7)).astype(np.int64))"
expect_ok run_original "$FRUGAL" run "$DIR/tiny.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_original"

check_model() { $PY -c "import onnx, sys; onnx.checker.check_model(sys.argv[1])" "$1"; }
count_op() { $PY -c "import onnx, sys; m = onnx.load(sys.argv[1], load_external_data=False); print(sum(n.op_type == sys.argv[2] for n in m.graph.node))" "$1" "$2"; }
same_outputs() { $PY "$(dirname "$0")/../python/same_outputs.py" "$1" "$2"; }

for mode in constant all none; do
    expect_ok "convert_$mode" "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/$mode.onnx" --einsum $mode
    expect_ok "checker_$mode" check_model "$DIR/$mode.onnx"
    expect_ok "run_$mode" "$FRUGAL" run "$DIR/$mode.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_$mode"
    expect_ok "same_$mode" same_outputs "$DIR/out_$mode/logits.npy" "$DIR/out_original/logits.npy"
done
# tiny has 2 layers of 6 Einsums: Q, K, V and the output take a weight; scores and combine do not.
expect_ok einsums_none test "$(count_op "$DIR/none.onnx" Einsum)" = 12
expect_ok einsums_constant test "$(count_op "$DIR/constant.onnx" Einsum)" = 4
expect_ok einsums_all test "$(count_op "$DIR/all.onnx" Einsum)" = 0

expect_ok convert_external "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/ext.onnx" --external-data
expect_ok external_file test -s "$DIR/ext.onnx.data"
expect_ok checker_external check_model "$DIR/ext.onnx"
expect_ok run_external "$FRUGAL" run "$DIR/ext.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_ext"
expect_ok same_external same_outputs "$DIR/out_ext/logits.npy" "$DIR/out_original/logits.npy"
expect_ok run_compiled "$FRUGAL" run "$DIR/ext.onnx" --input token_ids="$DIR/ids.npy" -o "$DIR/out_compiled"
expect_ok same_compiled same_outputs "$DIR/out_compiled/logits.npy" "$DIR/out_original/logits.npy"

report=$("$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/r.onnx" --report 2>&1)
expect_ok report_has_passes grep -q "decompose_einsum" <<<"$report"
expect_ok report_has_columns grep -q "peak MiB" <<<"$report"
expect_error bad_mode "--einsum takes all, constant or none" "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/x.onnx" --einsum some
expect_error bad_format "unknown output format '.txt'" "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/x.txt"
finish
