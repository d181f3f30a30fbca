"""An independent numpy GPT-2 (keras-hub's architecture) for checking `frugal make-model gpt2`.

It reads only the weights from the ONNX file (by name, with onnx.numpy_helper) and computes the
forward pass in float64 the textbook way (per-head matmuls, not the graph's einsums), so a wrong
equation, a missing bias or a misplaced mask in the graph shows up as a numeric mismatch.

Usage (run with /usr/bin/python3, which has onnx and numpy):
  gpt2_reference.py check MODEL                    onnx checker (full_check when onnx allows)
  gpt2_reference.py same-weights A B               every initializer equal
  gpt2_reference.py different-weights A B          every random initializer different
  gpt2_reference.py inputs MODEL DIR               token ids, and a past cache for the kv test
  gpt2_reference.py compare MODEL DIR OUT MODE     frugal's outputs in OUT against numpy (MODE: full,
                                                   empty_past or past; see cmd_compare)
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

EPSILON = 1e-5
MAX_RELATIVE_ERROR = 1e-4
BATCH, PREFIX, SUFFIX = 2, 5, 3


def load_weights(path):
    model = onnx.load(path)  # loads external data from the model's folder
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def layer_count(w):
    return len([n for n in w if n.endswith("/self_attention/query/kernel")])


def layer_norm(x, gamma, beta):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPSILON) * gamma + beta


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def forward(w, tokens, past=None):
    """Logits [batch, seq, vocab] and per layer (key, value) as [batch, heads, total, head_dim]."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    wte = w["token_embedding/embeddings"]
    batch, seq = tokens.shape
    past_len = 0 if past is None else past[0][0].shape[2]
    x = wte[tokens] + w["position_embedding/embeddings"][past_len : past_len + seq][None]
    total = past_len + seq
    # Query i sits at position past_len + i and sees the keys at positions 0..past_len + i.
    allowed = np.arange(total)[None, :] <= (past_len + np.arange(seq))[:, None]
    presents = []
    for i in range(layer_count(w)):
        p = f"transformer_layer_{i}/"
        h = layer_norm(x, w[p + "self_attention_layer_norm/gamma"], w[p + "self_attention_layer_norm/beta"])

        def heads(name):
            kernel = w[p + f"self_attention/{name}/kernel"]  # [hidden, heads, head_dim]
            hidden, n, d = kernel.shape
            y = h @ kernel.reshape(hidden, n * d) + w[p + f"self_attention/{name}/bias"].reshape(n * d)
            return y.reshape(batch, seq, n, d).transpose(0, 2, 1, 3)  # [batch, heads, seq, head_dim]

        q, k, v = heads("query"), heads("key"), heads("value")
        if past is not None:
            k = np.concatenate([past[i][0].astype(np.float64), k], axis=2)
            v = np.concatenate([past[i][1].astype(np.float64), v], axis=2)
        presents.append((k, v))
        d = q.shape[-1]
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
        scores = np.where(allowed, scores, -np.inf)
        scores -= scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, -1)
        out_kernel = w[p + "self_attention/attention_output/kernel"]  # [heads, head_dim, hidden]
        attn = context @ out_kernel.reshape(-1, out_kernel.shape[-1]) + w[p + "self_attention/attention_output/bias"]
        x = x + attn
        h = layer_norm(x, w[p + "feedforward_layer_norm/gamma"], w[p + "feedforward_layer_norm/beta"])
        h = gelu_tanh(h @ w[p + "feedforward_intermediate_dense/kernel"] + w[p + "feedforward_intermediate_dense/bias"])
        x = x + h @ w[p + "feedforward_output_dense/kernel"] + w[p + "feedforward_output_dense/bias"]
    x = layer_norm(x, w["layer_norm/gamma"], w["layer_norm/beta"])
    return x @ wte.T, presents


def load_output(out, name):
    path = os.path.join(out, name + ".npy")
    if not os.path.exists(path):
        raise SystemExit(f"{path} was not written")
    return np.load(path)


def relative_error(got, want):
    """max |got - want| / max |want|: elementwise ratios blow up near zero."""
    if got.shape != want.shape:
        raise SystemExit(f"shape {got.shape}, expected {want.shape}")
    return float(np.abs(got.astype(np.float64) - want).max() / np.abs(want).max())


def cmd_check(path):
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
    except TypeError:  # an onnx without full_check
        onnx.checker.check_model(model)
    # ir_version and opset as promised.
    if model.ir_version != 8 or [(o.domain, o.version) for o in model.opset_import] != [("", 17)]:
        raise SystemExit(f"ir_version {model.ir_version}, opsets {model.opset_import}")


def model_weights(path):
    """The model's weights: float initializers of rank >= 1 (not the scalar and index constants)."""
    return {n: t for n, t in load_weights(path).items() if t.dtype == np.float32 and t.ndim >= 1}


def cmd_same_weights(a, b):
    wa, wb = model_weights(a), model_weights(b)
    if wa.keys() != wb.keys():
        raise SystemExit(f"different weights: {sorted(wa.keys() ^ wb.keys())[:3]}")
    bad = [n for n in wa if not np.array_equal(wa[n], wb[n])]
    if bad:
        raise SystemExit(f"{len(bad)} initializers differ, e.g. {bad[0]}")


def cmd_different_weights(a, b):
    wa, wb = model_weights(a), model_weights(b)
    random = [n for n in wa if not n.endswith(("/gamma", "/beta"))]
    same = [n for n in random if np.array_equal(wa[n], wb[n])]
    if not random or same:
        raise SystemExit(f"{len(same)} of {len(random)} random initializers are equal, e.g. {same[:1]}")


def write_past(directory, presents):
    for i, (k, v) in enumerate(presents):
        np.save(os.path.join(directory, f"past_key_values.{i}.key.npy"), k.astype(np.float32))
        np.save(os.path.join(directory, f"past_key_values.{i}.value.npy"), v.astype(np.float32))


def cmd_inputs(path, directory):
    """tokens.npy [2, PREFIX + SUFFIX]; suffix.npy, its last SUFFIX tokens; past/ holds the cache of
    the first PREFIX tokens (computed here, in float32), empty_past/ a cache of length 0."""
    w = load_weights(path)
    vocab = w["token_embedding/embeddings"].shape[0]
    rng = np.random.default_rng(1234)
    tokens = rng.integers(0, vocab, size=(BATCH, PREFIX + SUFFIX), dtype=np.int64)
    for sub in ("past", "empty_past"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    np.save(os.path.join(directory, "tokens.npy"), tokens)
    np.save(os.path.join(directory, "suffix.npy"), tokens[:, PREFIX:])
    _, presents = forward(w, tokens[:, :PREFIX])
    write_past(os.path.join(directory, "past"), presents)
    empty = [(k[:, :, :0], v[:, :, :0]) for k, v in presents]
    write_past(os.path.join(directory, "empty_past"), empty)


def cmd_compare(path, directory, out, mode):
    """mode: full (tokens, no cache), empty_past (tokens, cache of length 0), past (suffix after
    the cached prefix). Checks logits and, with a cache, every present key and value."""
    w = load_weights(path)
    tokens = np.load(os.path.join(directory, "tokens.npy"))
    layers = layer_count(w)
    if mode == "past":
        past_dir = os.path.join(directory, "past")
        past = [
            (np.load(os.path.join(past_dir, f"past_key_values.{i}.key.npy")), np.load(os.path.join(past_dir, f"past_key_values.{i}.value.npy")))
            for i in range(layers)
        ]
        logits, presents = forward(w, tokens[:, PREFIX:], past)
        # The cached run must also agree with running the whole sequence at once.
        full, _ = forward(w, tokens)
        drift = relative_error(logits, full[:, PREFIX:])
        if drift > 1e-5:
            raise SystemExit(f"numpy: cached and uncached logits differ by {drift:.2e}")
    else:
        logits, presents = forward(w, tokens)
    errors = {"logits": relative_error(load_output(out, "logits"), logits)}
    if mode != "full":
        for i, (k, v) in enumerate(presents):
            errors[f"present.{i}.key"] = relative_error(load_output(out, f"present.{i}.key"), k)
            errors[f"present.{i}.value"] = relative_error(load_output(out, f"present.{i}.value"), v)
    worst = max(errors, key=errors.get)
    if errors[worst] > MAX_RELATIVE_ERROR:
        raise SystemExit(f"{worst}: relative error {errors[worst]:.2e} > {MAX_RELATIVE_ERROR}")
    print(f"{mode}: max relative error {errors[worst]:.2e} ({worst})")


def main(argv):
    commands = {
        "check": (cmd_check, 1),
        "same-weights": (cmd_same_weights, 2),
        "different-weights": (cmd_different_weights, 2),
        "inputs": (cmd_inputs, 2),
        "compare": (cmd_compare, 4),
    }
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        raise SystemExit(__doc__)
    fn, _ = commands[argv[1]]
    fn(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
