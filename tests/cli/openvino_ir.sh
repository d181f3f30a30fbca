#!/usr/bin/env bash
# OpenVINO IR through the command line: the Keras-style GPT-2 written as ONNX and converted to
# IR v11 gives the same logits through frugal run, and the offline pipeline makes the same graph
# from either file.
# Usage: openvino_ir.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
PY=/usr/bin/python3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
source "$(dirname "$0")/lib/assert.sh"

"$FRUGAL" make-model gpt2 --size tiny --seed 9 -o "$DIR/tiny.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
$PY -c "import numpy as np; np.save('$DIR/ids.npy', np.random.default_rng(2).integers(0, 1000, (1, 6)).astype(np.int64))"
same_outputs() { $PY "$(dirname "$0")/../python/same_outputs.py" "$1" "$2"; }
# The ops the Einsum lowering makes. (LayerNormalization comes back from IR as MVN's
# decomposition, ReduceMean/Sub/..., so the elementwise ops differ between the two.)
ops_of() { "$FRUGAL" dump "$1" | sed -n '/^nodes:/,$p' | sed -E 's/.* = ([A-Za-z]+)\(.*/\1/' | grep -E '^(Einsum|MatMul|Transpose|Reshape|Gather|Softmax)$' | sort | uniq -c; }

expect_ok to_ir "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/tiny.xml" --einsum none
expect_ok bin_written test -s "$DIR/tiny.bin"
expect_ok ir_version grep -q '<net name=".*" version="11"' "$DIR/tiny.xml"
expect_ok run_onnx "$FRUGAL" run "$DIR/tiny.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_onnx"
expect_ok run_ir "$FRUGAL" run "$DIR/tiny.xml" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_ir"
expect_ok same_logits same_outputs "$DIR/out_ir/logits.npy" "$DIR/out_onnx/logits.npy"
expect_ok run_ir_compiled "$FRUGAL" run "$DIR/tiny.xml" --input token_ids="$DIR/ids.npy" -o "$DIR/out_ir_compiled"
expect_ok same_logits_compiled same_outputs "$DIR/out_ir_compiled/logits.npy" "$DIR/out_onnx/logits.npy"
# The offline pipeline on each file: the same ops, the same numbers.
expect_ok offline_from_onnx "$FRUGAL" convert "$DIR/tiny.onnx" -o "$DIR/from_onnx.onnx"
expect_ok offline_from_ir "$FRUGAL" convert "$DIR/tiny.xml" -o "$DIR/from_ir.onnx"
expect_ok same_graph diff <(ops_of "$DIR/from_onnx.onnx") <(ops_of "$DIR/from_ir.onnx")
expect_ok run_from_ir "$FRUGAL" run "$DIR/from_ir.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_from_ir"
expect_ok same_after_offline same_outputs "$DIR/out_from_ir/logits.npy" "$DIR/out_onnx/logits.npy"
# And back to ONNX. (Debian's onnx 1.12 checker knows opsets up to 17; IR comes in at opset 21,
# so the file is checked by reading it and running it.)
expect_ok ir_to_onnx "$FRUGAL" convert "$DIR/tiny.xml" -o "$DIR/back.onnx" --einsum none
expect_ok run_back "$FRUGAL" run "$DIR/back.onnx" --reference --input token_ids="$DIR/ids.npy" -o "$DIR/out_back"
expect_ok same_back same_outputs "$DIR/out_back/logits.npy" "$DIR/out_onnx/logits.npy"
expect_error missing_bin "tiny2.bin" bash -c "cp '$DIR/tiny.xml' '$DIR/tiny2.xml' && '$FRUGAL' dump '$DIR/tiny2.xml'"
finish
