#!/usr/bin/python3
"""Writes a small GPT-2 style byte-level BPE tokenizer (vocab.json + merges.txt) into a folder:
the 256 byte tokens in GPT-2's order, a few merges, and <|endoftext|>, for models whose
vocabulary has at least 300 ids."""
import json
import os
import sys


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
table = bytes_to_unicode()
vocab = {table[b]: i for i, b in enumerate(sorted(table))}
merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("Ġ", "w"), ("o", "r"), ("Ġw", "or"), ("Ġwor", "l"), ("Ġworl", "d")]
for a, b in merges:
    vocab[a + b] = len(vocab)
vocab["<|endoftext|>"] = len(vocab)
with open(os.path.join(out, "vocab.json"), "w") as f:
    json.dump(vocab, f)
with open(os.path.join(out, "merges.txt"), "w") as f:
    f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
