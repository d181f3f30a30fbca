#!/usr/bin/env bash
# frugal make-model gpt2: the files pass onnx's checker, the seed decides the weights, and the
# reference executor's logits on tiny match an independent numpy GPT-2 (max relative error 1e-4),
# with and without external data and the kv cache.
# Usage: make_model.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
TESTS=$2
PY=/usr/bin/python3
REF="$TESTS/python/gpt2_reference.py"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/ext" "$DIR/kv"

source "$(dirname "$0")/lib/assert.sh"

make() { "$FRUGAL" make-model gpt2 --size tiny "$@"; }
expect_ok make_tiny make --seed 3 -o "$DIR/tiny.onnx"
expect_ok make_tiny_again make --seed 3 -o "$DIR/tiny_again.onnx"
expect_ok make_tiny_external make --seed 3 --external-data -o "$DIR/ext/tiny.onnx"
expect_ok make_tiny_kv make --seed 3 --cache kv -o "$DIR/kv/tiny_kv.onnx"
expect_ok make_tiny_other_seed make --seed 4 -o "$DIR/tiny_seed4.onnx"
expect_error unknown_model "unknown model 'llama'" "$FRUGAL" make-model llama -o "$DIR/x.onnx"

expect_ok checker_tiny $PY "$REF" check "$DIR/tiny.onnx"
expect_ok checker_external $PY "$REF" check "$DIR/ext/tiny.onnx"
expect_ok checker_kv $PY "$REF" check "$DIR/kv/tiny_kv.onnx"
expect_ok external_data_written test -s "$DIR/ext/tiny.onnx.data"
expect_ok external_model_is_small test "$(stat -c %s "$DIR/ext/tiny.onnx")" -lt 100000
expect_ok same_seed_same_file cmp "$DIR/tiny.onnx" "$DIR/tiny_again.onnx"
expect_ok same_seed_external $PY "$REF" same-weights "$DIR/tiny.onnx" "$DIR/ext/tiny.onnx"
expect_ok same_seed_with_cache $PY "$REF" same-weights "$DIR/tiny.onnx" "$DIR/kv/tiny_kv.onnx"
expect_ok other_seed_other_weights $PY "$REF" different-weights "$DIR/tiny.onnx" "$DIR/tiny_seed4.onnx"

# Numbers: frugal run (the reference executor) against numpy.
expect_ok inputs $PY "$REF" inputs "$DIR/tiny.onnx" "$DIR/in"
IN=$DIR/in
expect_ok run_tiny "$FRUGAL" run --reference "$DIR/tiny.onnx" --input token_ids="$IN/tokens.npy" -o "$DIR/out"
expect_ok logits_tiny $PY "$REF" compare "$DIR/tiny.onnx" "$IN" "$DIR/out" full
expect_ok run_external "$FRUGAL" run --reference "$DIR/ext/tiny.onnx" --input token_ids="$IN/tokens.npy" -o "$DIR/out_ext"
expect_ok logits_external cmp "$DIR/out/logits.npy" "$DIR/out_ext/logits.npy"
past_args() {
    local d=$1 i
    for i in 0 1; do
        printf -- '--input past_key_values.%s.key=%s/past_key_values.%s.key.npy ' "$i" "$d" "$i"
        printf -- '--input past_key_values.%s.value=%s/past_key_values.%s.value.npy ' "$i" "$d" "$i"
    done
}
# shellcheck disable=SC2046 # word splitting of the generated --input list is intended (no spaces in $DIR)
expect_ok run_kv_empty_past "$FRUGAL" run --reference "$DIR/kv/tiny_kv.onnx" --input token_ids="$IN/tokens.npy" $(past_args "$IN/empty_past") -o "$DIR/out_kv0"
expect_ok logits_kv_empty_past $PY "$REF" compare "$DIR/kv/tiny_kv.onnx" "$IN" "$DIR/out_kv0" empty_past
# shellcheck disable=SC2046
expect_ok run_kv_past "$FRUGAL" run --reference "$DIR/kv/tiny_kv.onnx" --input token_ids="$IN/suffix.npy" $(past_args "$IN/past") -o "$DIR/out_kv"
expect_ok logits_kv_past $PY "$REF" compare "$DIR/kv/tiny_kv.onnx" "$IN" "$DIR/out_kv" past

finish
