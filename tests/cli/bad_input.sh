#!/usr/bin/env bash
# Bad input gets a clear error that names the file, node and op, a non-zero exit, and no crash.
# Usage: bad_input.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
TESTS=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
/usr/bin/python3 "$TESTS/python/make_bad_models.py" "$DIR" || { echo "cannot make test models"; exit 1; }

source "$(dirname "$0")/lib/assert.sh"

expect_ok good "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/x.npy" -o "$DIR/out"
expect_ok output_matches /usr/bin/python3 -c "import numpy as np,sys; a=np.load('$DIR/out/y.npy'); b=np.load('$DIR/expected_y.npy'); sys.exit(0 if np.allclose(a,b) else 1)"
expect_error truncated "truncated.onnx: not a valid ONNX model" "$FRUGAL" dump "$DIR/truncated.onnx"
expect_error corrupt "corrupt.onnx: not a valid ONNX model" "$FRUGAL" dump "$DIR/corrupt.onnx"
expect_error unknown_op "unknown_op.onnx: node 'proj' \(FancyMatMul\): unknown op 'FancyMatMul'" "$FRUGAL" dump "$DIR/unknown_op.onnx"
expect_error missing_initializer "missing_initializer.onnx: node 'proj' \(MatMul\): input 'w' is not" "$FRUGAL" dump "$DIR/missing_initializer.onnx"
expect_error shape_mismatch "shape_mismatch.onnx: node 'proj' \(MatMul\): .*" "$FRUGAL" dump "$DIR/shape_mismatch.onnx"
expect_error missing_input "missing input 'x'" "$FRUGAL" run "$DIR/good.onnx" -o "$DIR/out"
expect_error wrong_dtype "input 'x' must be float32, got int64" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/x_int.npy" -o "$DIR/out"
expect_error wrong_rank "input 'x' must have rank 2" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/x_rank3.npy" -o "$DIR/out"
expect_error wrong_dim "input 'x' must have shape \[2,4\], got \[2,5\]" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/x_wrong_dim.npy" -o "$DIR/out"
expect_error unknown_input "no input named 'nope'" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/x.npy" --input nope="$DIR/x.npy" -o "$DIR/out"
expect_error not_npy "not a .npy file" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/good.onnx" -o "$DIR/out"
expect_ok external "$FRUGAL" run "$DIR/ext/good_external.onnx" --input x="$DIR/x.npy" -o "$DIR/out_ext"
expect_ok external_matches /usr/bin/python3 -c "import numpy as np,sys; a=np.load('$DIR/out_ext/y.npy'); b=np.load('$DIR/expected_y.npy'); sys.exit(0 if np.array_equal(a,b) else 1)"
expect_error short_external "short_external.onnx: initializer tensor 'w': .*past the end of 'short.bin'" "$FRUGAL" dump "$DIR/ext/short_external.onnx"
expect_error dotdot_external "initializer tensor 'w': .*'../x.npy' leaves the model's folder" "$FRUGAL" dump "$DIR/ext/dotdot_external.onnx"
expect_error absolute_external "initializer tensor 'w': .*'/etc/passwd' is an absolute path" "$FRUGAL" dump "$DIR/ext/absolute_external.onnx"
expect_error symlink_external "initializer tensor 'w': .*'link.bin' resolves to .*outside the model's folder" "$FRUGAL" dump "$DIR/ext/symlink_external.onnx"
expect_error bad_length_external "initializer tensor 'w': external data length 40 does not match" "$FRUGAL" dump "$DIR/ext/bad_length_external.onnx"
expect_error missing_file "nothing.onnx: cannot open" "$FRUGAL" dump "$DIR/nothing.onnx"
expect_error einsum_output_label "einsum_unknown_output_label.onnx: node 'ein' \(Einsum\): .*output label 'e'" "$FRUGAL" dump "$DIR/einsum_unknown_output_label.onnx"
expect_error einsum_rank "einsum_rank_mismatch.onnx: node 'ein' \(Einsum\): .*term 0 has" "$FRUGAL" dump "$DIR/einsum_rank_mismatch.onnx"
expect_error einsum_ellipses "einsum_two_ellipses.onnx: node 'ein' \(Einsum\): .*two ellipses" "$FRUGAL" dump "$DIR/einsum_two_ellipses.onnx"
expect_error einsum_character "einsum_bad_character.onnx: node 'ein' \(Einsum\): .*unexpected character '1'" "$FRUGAL" dump "$DIR/einsum_bad_character.onnx"

# Resource limits: refused while reading, before anything is allocated (tests/python/make_bad_models.py).
MEM="more than the [0-9]+ bytes of memory this machine has"
expect_error huge_intermediate "huge_intermediate.onnx: node 'big' \(ConstantOfShape\): .*float32\[100000,100000,1000\] needs 40000000000000 bytes, $MEM" "$FRUGAL" dump "$DIR/huge_intermediate.onnx"
expect_error huge_input "huge_input.onnx: value 'x': float32\[1000000,1000000,1000\] needs 4000000000000000 bytes, $MEM" "$FRUGAL" dump "$DIR/huge_input.onnx"
expect_error overflow_initializer "overflow_initializer.onnx: initializer tensor 'w' of shape \[1099511627776,1099511627776\]: .*overflows 64 bits" "$FRUGAL" dump "$DIR/overflow_initializer.onnx"
expect_error huge_typed_initializer "huge_typed_initializer.onnx: initializer tensor 'w' has 0 values, but \[4,1000000000000\] needs 4000000000000" "$FRUGAL" dump "$DIR/huge_typed_initializer.onnx"
expect_error wrapping_offset_external "initializer tensor 'w': external data \[18446744073709551608, \+48\) is past the end of 'weights.bin'" "$FRUGAL" dump "$DIR/ext/wrapping_offset_external.onnx"
expect_error deep_nesting "deep_nesting.onnx: not a valid ONNX model \(.*nested more than 100 deep\)" "$FRUGAL" dump "$DIR/deep_nesting.onnx"
expect_error npy_huge_shape "huge_shape.npy: .npy float32 array: float32\[100000,100000,1000\] needs 40000000000000 bytes, $MEM" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/huge_shape.npy" -o "$DIR/out"
expect_error npy_overflow_dim "overflow_shape.npy: .npy shape dimension 99999999999999999999999 is too large" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/overflow_shape.npy" -o "$DIR/out"
expect_error npy_wrapping_shape "wrapping_shape.npy: .npy float32 array: shape \[4294967296,4294967296\] has more elements than fit in 64 bits" "$FRUGAL" run "$DIR/good.onnx" --input x="$DIR/wrapping_shape.npy" -o "$DIR/out"
# OpenVINO IR: a .bin beside the .xml that is a symbolic link out of the folder is refused like ONNX external data.
mkdir -p "$DIR/ir" "$DIR/ir_link"
expect_ok ir_convert "$FRUGAL" convert "$DIR/good.onnx" -o "$DIR/ir/good.xml"
cp "$DIR/ir/good.xml" "$DIR/ir_link/good.xml"
ln -s ../ir/good.bin "$DIR/ir_link/good.bin"
expect_ok ir_good "$FRUGAL" dump "$DIR/ir/good.xml"
expect_error ir_symlink_bin "ir_link/good.xml: .*the weights file .*good.bin resolves to '.*/ir/good.bin', outside the model's folder" "$FRUGAL" dump "$DIR/ir_link/good.xml"

finish
