#!/usr/bin/env bash
# frugal generate: ids or text in, tokens out; the cached model and full recomputation agree (and,
# for an HF-style decoder, numpy's recomputation); the JSON has the promised fields; bad prompts and broken tokenizers get clear errors.
# Usage: generate.sh FRUGAL TESTS_DIR
set -u
FRUGAL=$1
TESTS=$2
PY=/usr/bin/python3
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
source "$(dirname "$0")/lib/assert.sh"

"$FRUGAL" make-model gpt2 --size tiny --seed 4 --cache kv -o "$DIR/kv.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
mkdir -p "$DIR/plain"
"$FRUGAL" make-model gpt2 --size tiny --seed 4 -o "$DIR/plain/plain.onnx" >/dev/null || { echo "cannot make the model"; exit 1; }
field() { $PY -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

expect_ok ids_cached "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 11,22,33 --max-new-tokens 12 --greedy --json "$DIR/kv.json"
expect_ok ids_plain "$FRUGAL" generate "$DIR/plain/plain.onnx" --prompt-ids 11,22,33 --max-new-tokens 12 --greedy --json "$DIR/plain.json"
expect_ok cached_equals_recomputed test "$(field "$DIR/kv.json" ids)" = "$(field "$DIR/plain.json" ids)"
expect_ok json_fields $PY -c "
import json, sys
j = json.load(open('$DIR/kv.json'))
need = ['prompt_tokens', 'new_tokens', 'ids', 'time_to_first_token_s', 'decode_ms_per_token', 'peak_rss_mb']
sys.exit(0 if all(k in j for k in need) and j['new_tokens'] == 12 and j['prompt_tokens'] == 3 and j['cached'] else j)"
out=$("$FRUGAL" generate "$DIR/plain/plain.onnx" --prompt-ids 1 --max-new-tokens 2 2>&1)
expect_ok says_no_cache grep -q "has no KV cache" <<<"$out"
# Without a thread wait policy in the environment frugal sets one and runs itself again, once.
expect_ok default_wait_policy env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 11,22,33 --max-new-tokens 12 --greedy --json "$DIR/kv_default.json"
expect_ok default_wait_policy_same_ids test "$(field "$DIR/kv_default.json" ids)" = "$(field "$DIR/kv.json" ids)"
expect_ok sampled "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1,2 --max-new-tokens 8 --temperature 0.8 --top-k 50 --top-p 0.9 --seed 3 --json "$DIR/s1.json"
expect_ok sampled_again "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1,2 --max-new-tokens 8 --temperature 0.8 --top-k 50 --top-p 0.9 --seed 3 --json "$DIR/s2.json"
expect_ok same_seed_same_tokens test "$(field "$DIR/s1.json" ids)" = "$(field "$DIR/s2.json" ids)"

# Text through a tokenizer beside the model.
$PY "$TESTS/python/make_tokenizer.py" "$DIR/plain" || { echo "cannot make the tokenizer"; exit 1; }
expect_ok text "$FRUGAL" generate "$DIR/plain/plain.onnx" --prompt "hello world" --max-new-tokens 4 --json "$DIR/text.json"
expect_ok text_tokens test "$(field "$DIR/text.json" prompt_ids)" = "[259, 264]"

expect_error id_outside_vocab "prompt token id 5000 is outside the vocabulary" "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1,5000 --max-new-tokens 2
expect_error too_long "exceed the model's maximum of 1024 positions" "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1 --max-new-tokens 2000
expect_error bad_ids "--prompt-ids takes comma-separated integers" "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1,x
expect_error no_tokenizer "tokenizer" "$FRUGAL" generate "$DIR/kv.onnx" --prompt "hi"
expect_error bad_temperature "greedy" "$FRUGAL" generate "$DIR/kv.onnx" --prompt-ids 1 --temperature -1
# A decoder from the other family of exporters (HuggingFace / PyTorch naming and ops): its greedy
# ids, with the cache kept in place, equal numpy's full recomputation.
$PY "$TESTS/python/hf_decoder.py" make "$DIR/hf.onnx" || { echo "cannot make the HF-style model"; exit 1; }
want=$($PY "$TESTS/python/hf_decoder.py" greedy "$DIR/hf.onnx" --prompt-ids 5,17,42,8 --new 24)
expect_ok hf_generate "$FRUGAL" generate "$DIR/hf.onnx" --prompt-ids 5,17,42,8 --max-new-tokens 24 --greedy --json "$DIR/hf.json"
ids_csv() { $PY -c "import json, sys; print(','.join(map(str, json.load(open(sys.argv[1]))['ids'])))" "$1"; }
expect_ok hf_ids_equal_numpy test "$(ids_csv "$DIR/hf.json")" = "$want"
expect_ok hf_cache_in_place test "$(field "$DIR/hf.json" cache_in_place)" = True

echo "{ not json" > "$DIR/broken.json"
expect_error broken_tokenizer "broken.json" "$FRUGAL" generate "$DIR/kv.onnx" --prompt "hi" --tokenizer "$DIR/broken.json"
finish
