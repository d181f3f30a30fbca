#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the project's own test models:
#   make_seeds.sh FRUGAL CORPUS_DIR
# onnx: the tiny GPT-2 that `frugal make-model` writes and a sample of the ONNX backend node tests;
# ir: the same converted to OpenVINO IR ("xml\0bin"); npy: arrays numpy writes; einsum: the
# equations of the ONNX Einsum tests; tokenizers: tests/python/make_tokenizer.py's files.
set -euo pipefail
FRUGAL=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=/usr/share/libonnx-testdata/data/node
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"/{onnx,ir,einsum,npy,tokenizer_files,tokenizer_json}

# An IR seed is the XML, a NUL, then the weights (fuzz/fuzz_ir.cpp splits there).
ir_seed() { { cat "$1"; printf '\0'; cat "${1%.xml}.bin" 2>/dev/null || true; } > "$2"; }

"$FRUGAL" make-model gpt2 --size tiny --seed 1 -o "$TMP/tiny.onnx" >/dev/null
cp "$TMP/tiny.onnx" "$OUT/onnx/gpt2_tiny.onnx"
"$FRUGAL" convert "$TMP/tiny.onnx" -o "$TMP/tiny.xml" --einsum none >/dev/null && ir_seed "$TMP/tiny.xml" "$OUT/ir/gpt2_tiny"
# Node tests of the ops frugal implements (others stop at "unknown op", little to learn); the IR
# seeds are those that frugal can convert.
for d in "$NODE"/test_*/; do
  name=$(basename "$d")
  [ -f "$d/model.onnx" ] || continue
  [ "$(stat -c %s "$d/model.onnx")" -lt 4096 ] || continue
  cp "$d/model.onnx" "$OUT/onnx/$name.onnx"
  if "$FRUGAL" convert "$d/model.onnx" -o "$TMP/$name.xml" --einsum none >/dev/null 2>&1; then
    ir_seed "$TMP/$name.xml" "$OUT/ir/$name"
  fi
done 2>/dev/null

# The compiled file, once `frugal compile` exists (fuzz/fuzz_frugal_file.cpp).
if "$FRUGAL" compile --help >/dev/null 2>&1; then
  mkdir -p "$OUT/frugal_file"
  "$FRUGAL" compile "$TMP/tiny.onnx" -o "$OUT/frugal_file/gpt2_tiny.frugal" >/dev/null || true
fi

# Einsum: byte 0 = operand count - 1, one rank byte per operand, then the equation.
einsum_seed() { printf "$1" > "$OUT/einsum/$2"; }
einsum_seed '\001\002\002ij,jk->ik' matmul
einsum_seed '\000\002ij->ji' transpose
einsum_seed '\000\002ii->i' diagonal
einsum_seed '\001\003\003bij,bjk->bik' batch
einsum_seed '\001\004\004...ij,...jk' ellipsis
einsum_seed '\002\001\001\001i,i,i->' three
einsum_seed '\000\003 a b c -> c b a' spaces
einsum_seed '\001\005\002...abc,c...->...a' mixed

/usr/bin/python3 - "$OUT/npy" <<'PY'
import sys, numpy as np
out = sys.argv[1]
arrays = {"f32_2x3": np.arange(6, dtype=np.float32).reshape(2, 3), "i64_4": np.arange(4, dtype=np.int64),
          "bool_scalar": np.array(True), "f16_empty": np.zeros((0, 3), np.float16), "u8_3d": np.ones((2, 2, 2), np.uint8),
          "f64_big_endian": np.arange(3, dtype=">f8"), "fortran": np.asfortranarray(np.ones((2, 3), np.float32))}
for name, a in arrays.items():
    np.save(f"{out}/{name}.npy", a)
with open(f"{out}/v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(5, dtype=np.int32), version=(2, 0))
PY

/usr/bin/python3 "$HERE/../tests/python/make_tokenizer.py" "$TMP/tok" >/dev/null
{ cat "$TMP/tok/vocab.json"; printf '\0'; cat "$TMP/tok/merges.txt"; } > "$OUT/tokenizer_files/small"
/usr/bin/python3 - "$TMP/tok" "$OUT/tokenizer_json" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
vocab = json.load(open(f"{src}/vocab.json", encoding="utf-8"))
merges = [l.rstrip("\n") for l in open(f"{src}/merges.txt", encoding="utf-8") if l.strip() and not l.startswith("#")]
eot = vocab["<|endoftext|>"]
doc = {"version": "1.0", "added_tokens": [{"id": eot, "content": "<|endoftext|>", "special": True}],
       "normalizer": None, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
       "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                 "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": merges}}
json.dump(doc, open(f"{out}/merges_as_strings.json", "w", encoding="utf-8"), ensure_ascii=False)
doc["model"]["merges"] = [m.split(" ") for m in merges]
del doc["normalizer"]
json.dump(doc, open(f"{out}/merges_as_pairs.json", "w", encoding="utf-8"), ensure_ascii=False)
PY
for t in "$OUT"/*/; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
