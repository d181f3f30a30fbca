#!/usr/bin/python3
"""A small GPT-2 decoder written the way the HuggingFace / PyTorch ONNX exporters write it, and a
numpy oracle for its greedy generation. frugal makes Keras-style models itself; this is the other
family of graphs users bring: input_ids, attention_mask, position_ids, past_key_values.N.key/value
in, logits and present.N.key/value out; LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div; fused qkv
projection and Split; K transposed by its own Transpose; a causal mask sliced out of a constant
[1, 1, max, max] triangle and applied with Where(.., finfo.min); the attention mask turned into an
additive (1 - mask) * finfo.min; GELU as its tanh formula; logits against the transposed embedding.

usage:
  hf_decoder.py make OUT.onnx [--seed S]                      the model (weights inside the file)
  hf_decoder.py greedy MODEL.onnx --prompt-ids 1,2,3 --new N  greedy ids by full recomputation
Runs with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LAYERS, HIDDEN, HEADS, VOCAB, MAX_POS = 2, 32, 4, 97, 64
HEAD_DIM = HIDDEN // HEADS
FMIN = float(np.finfo(np.float32).min)


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op, inputs, n_out=1, **attrs):
        self.count += 1
        outs = [f"{op.lower()}_{self.count}_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=f"/{op}_{self.count}", **attrs))
        return outs[0] if n_out == 1 else outs


def layer_norm(g, x, prefix, rng):
    w = g.const(prefix + ".weight", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
    b = g.const(prefix + ".bias", (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
    mean = g.op("ReduceMean", [x], axes=[-1])
    centered = g.op("Sub", [x, mean])
    var = g.op("ReduceMean", [g.op("Pow", [centered, g.const(prefix + ".two", np.float32(2))])], axes=[-1])
    std = g.op("Sqrt", [g.op("Add", [var, g.const(prefix + ".eps", np.float32(1e-5))])])
    return g.op("Add", [g.op("Mul", [g.op("Div", [centered, std]), w]), b])


def dense(g, x, prefix, n_in, n_out, rng):
    w = g.const(prefix + ".weight", (0.2 * rng.standard_normal((n_in, n_out))).astype(np.float32))
    b = g.const(prefix + ".bias", (0.05 * rng.standard_normal(n_out)).astype(np.float32))
    return g.op("Add", [g.op("MatMul", [x, w]), b])


def make(seed):
    rng = np.random.default_rng(seed)
    g = Graph()
    wte = g.const("transformer.wte.weight", (0.3 * rng.standard_normal((VOCAB, HIDDEN))).astype(np.float32))
    wpe = g.const("transformer.wpe.weight", (0.3 * rng.standard_normal((MAX_POS, HIDDEN))).astype(np.float32))
    triangle = g.const("transformer.h.bias", np.tril(np.ones((MAX_POS, MAX_POS), dtype=bool)).reshape(1, 1, MAX_POS, MAX_POS))
    i64 = lambda name, v: g.const(name, np.array(v, dtype=np.int64))  # noqa: E731
    zero, one, two, last = i64("c0", [0]), i64("c1", [1]), i64("c2", [2]), i64("c-1", [-1])

    x = g.op("Add", [g.op("Gather", [wte, "input_ids"]), g.op("Gather", [wpe, "position_ids"])])
    seq = g.op("Gather", [g.op("Shape", ["input_ids"]), one], axis=0)             # [1]
    past = g.op("Gather", [g.op("Shape", ["past_key_values.0.key"]), two], axis=0)  # [1]
    total = g.op("Add", [past, seq])
    # The causal rows of the queries (past .. total) and the keys 0 .. total, from the triangle.
    causal = g.op("Slice", [triangle, past, total, two])
    causal = g.op("Slice", [causal, zero, total, g.const("c3", np.array([3], dtype=np.int64))])
    mask = g.op("Unsqueeze", [g.op("Unsqueeze", ["attention_mask", one]), two])  # [B, 1, 1, total]
    additive = g.op("Mul", [g.op("Sub", [g.const("one_f", np.float32(1)), g.op("Cast", [mask], to=TensorProto.FLOAT)]),
                            g.const("fmin", np.float32(FMIN))])
    heads_shape = g.op("Concat", [zero, zero, g.const("heads", np.array([HEADS, HEAD_DIM], dtype=np.int64))], axis=0)
    outputs = []
    for layer in range(LAYERS):
        p = f"transformer.h.{layer}"
        h = layer_norm(g, x, p + ".ln_1", rng)
        qkv = dense(g, h, p + ".attn.c_attn", HIDDEN, 3 * HIDDEN, rng)
        q, k, v = g.op("Split", [qkv, g.const(p + ".split", np.array([HIDDEN] * 3, dtype=np.int64))], n_out=3, axis=2)
        q, k, v = (g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=[0, 2, 1, 3]) for t in (q, k, v))
        present_k = f"present.{layer}.key"
        present_v = f"present.{layer}.value"
        g.nodes.append(helper.make_node("Concat", [f"past_key_values.{layer}.key", k], [present_k], axis=-2, name=f"/{p}/concat_k"))
        g.nodes.append(helper.make_node("Concat", [f"past_key_values.{layer}.value", v], [present_v], axis=-2, name=f"/{p}/concat_v"))
        outputs += [present_k, present_v]
        scores = g.op("MatMul", [q, g.op("Transpose", [present_k], perm=[0, 1, 3, 2])])
        scores = g.op("Div", [scores, g.const(p + ".scale", np.float32(np.sqrt(HEAD_DIM)))])
        scores = g.op("Where", [causal, scores, g.const(p + ".masked", np.float32(FMIN))])
        probs = g.op("Softmax", [g.op("Add", [scores, additive])], axis=-1)
        attn = g.op("Transpose", [g.op("MatMul", [probs, present_v])], perm=[0, 2, 1, 3])
        attn = g.op("Reshape", [attn, g.op("Concat", [zero, zero, last], axis=0)])
        x = g.op("Add", [x, dense(g, attn, p + ".attn.c_proj", HIDDEN, HIDDEN, rng)])
        h = dense(g, layer_norm(g, x, p + ".ln_2", rng), p + ".mlp.c_fc", HIDDEN, 4 * HIDDEN, rng)
        cube = g.op("Mul", [g.op("Pow", [h, g.const(p + ".three", np.float32(3))]), g.const(p + ".c", np.float32(0.044715))])
        inner = g.op("Mul", [g.op("Add", [h, cube]), g.const(p + ".s", np.float32(np.sqrt(2 / np.pi)))])
        gelu = g.op("Mul", [g.op("Mul", [h, g.const(p + ".half", np.float32(0.5))]),
                            g.op("Add", [g.const(p + ".one", np.float32(1)), g.op("Tanh", [inner])])])
        x = g.op("Add", [x, dense(g, gelu, p + ".mlp.c_proj", 4 * HIDDEN, HIDDEN, rng)])
    x = layer_norm(g, x, "transformer.ln_f", rng)
    g.nodes.append(helper.make_node("MatMul", [x, g.op("Transpose", [wte], perm=[1, 0])], ["logits"], name="/lm_head"))

    f32 = lambda name, dims: helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)  # noqa: E731
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "total_seq"]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "seq"])]
    for layer in range(LAYERS):
        for which in ("key", "value"):
            inputs.append(f32(f"past_key_values.{layer}.{which}", ["batch", HEADS, "past_seq", HEAD_DIM]))
    outs = [f32("logits", ["batch", "seq", VOCAB])]
    outs += [f32(name, ["batch", HEADS, "total_seq", HEAD_DIM]) for name in outputs]
    graph = helper.make_graph(g.nodes, "hf_gpt2", inputs, outs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="pytorch")
    onnx.checker.check_model(model, full_check=True)
    return model


# The oracle: the same arithmetic in numpy, over the whole sequence (no cache), weights read back.
def logits_numpy(w, ids):
    def ln(x, p):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-5) * w[p + ".weight"] + w[p + ".bias"]

    def dense(x, p):
        return x @ w[p + ".weight"] + w[p + ".bias"]

    n = len(ids)
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][np.arange(n)]
    causal = np.tril(np.ones((n, n), dtype=bool))
    for layer in range(LAYERS):
        p = f"transformer.h.{layer}"
        q, k, v = np.split(dense(ln(x, p + ".ln_1"), p + ".attn.c_attn"), 3, axis=-1)
        q, k, v = (t.reshape(n, HEADS, HEAD_DIM).transpose(1, 0, 2) for t in (q, k, v))
        s = np.where(causal, q @ k.transpose(0, 2, 1) / np.sqrt(HEAD_DIM), FMIN)
        s = np.exp(s - s.max(-1, keepdims=True))
        attn = (s / s.sum(-1, keepdims=True)) @ v
        x = x + dense(attn.transpose(1, 0, 2).reshape(n, HIDDEN), p + ".attn.c_proj")
        h = dense(ln(x, p + ".ln_2"), p + ".mlp.c_fc")
        h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
        x = x + dense(h, p + ".mlp.c_proj")
    return ln(x, "transformer.ln_f") @ w["transformer.wte.weight"].T


def greedy(path, prompt, new):
    model = onnx.load(path)
    w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    ids = list(prompt)
    for _ in range(new):
        ids.append(int(np.argmax(logits_numpy(w, np.array(ids))[-1])))
    return ids[len(prompt):]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make")
    mk.add_argument("out")
    mk.add_argument("--seed", type=int, default=2)
    gr = sub.add_parser("greedy")
    gr.add_argument("model")
    gr.add_argument("--prompt-ids", required=True)
    gr.add_argument("--new", type=int, default=8)
    a = ap.parse_args()
    if a.cmd == "make":
        onnx.save(make(a.seed), a.out)
    else:
        print(",".join(str(i) for i in greedy(a.model, [int(s) for s in a.prompt_ids.split(",")], a.new)))


if __name__ == "__main__":
    sys.exit(main())
