#!/usr/bin/python3
"""Writes small valid and broken ONNX models into a folder for the bad-input tests.

Each broken model is broken in exactly one way, so the test can check that frugal's error names
that way (the file, the node and the op).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(model, name):
    onnx.save(model, os.path.join(out, name))


def matmul_model(weight_init, x_shape=(2, 4), extra_nodes=(), op="MatMul"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    nodes = [helper.make_node(op, ["x", "w"], ["y"], name="proj")] + list(extra_nodes)
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=[weight_init] if weight_init is not None else [])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), "w")
good = matmul_model(w)
onnx.checker.check_model(good)
save(good, "good.onnx")
np.save(os.path.join(out, "x.npy"), np.ones((2, 4), np.float32))
np.save(os.path.join(out, "x_int.npy"), np.ones((2, 4), np.int64))
np.save(os.path.join(out, "x_rank3.npy"), np.ones((1, 2, 4), np.float32))
np.save(os.path.join(out, "x_wrong_dim.npy"), np.ones((2, 5), np.float32))
np.save(os.path.join(out, "expected_y.npy"), np.ones((2, 4), np.float32) @ np.arange(12, dtype=np.float32).reshape(4, 3))

data = good.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "corrupt.onnx"), "wb") as f:
    f.write(bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8)))

save(matmul_model(w, op="FancyMatMul"), "unknown_op.onnx")
save(matmul_model(None), "missing_initializer.onnx")
# Declared input [2,5] cannot multiply a [4,3] weight.
save(matmul_model(w, x_shape=(2, 5)), "shape_mismatch.onnx")


def external_model(location, length_bytes=None):
    t = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location, "offset": "0"}
    if length_bytes is not None:
        entries["length"] = str(length_bytes)
    for k, v in entries.items():
        e = t.external_data.add()
        e.key, e.value = k, v
    return matmul_model(t)


os.makedirs(os.path.join(out, "ext"), exist_ok=True)
np.arange(12, dtype=np.float32).tofile(os.path.join(out, "ext", "weights.bin"))
onnx.save(external_model("weights.bin"), os.path.join(out, "ext", "good_external.onnx"))
np.arange(5, dtype=np.float32).tofile(os.path.join(out, "ext", "short.bin"))
onnx.save(external_model("short.bin"), os.path.join(out, "ext", "short_external.onnx"))
onnx.save(external_model("../x.npy"), os.path.join(out, "ext", "dotdot_external.onnx"))
onnx.save(external_model("/etc/passwd"), os.path.join(out, "ext", "absolute_external.onnx"))
os.symlink("../x.npy", os.path.join(out, "ext", "link.bin"))
onnx.save(external_model("link.bin"), os.path.join(out, "ext", "symlink_external.onnx"))
onnx.save(external_model("weights.bin", length_bytes=40), os.path.join(out, "ext", "bad_length_external.onnx"))


def einsum_model(equation):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    w = numpy_helper.from_array(np.ones((4, 5), np.float32), "w")
    node = helper.make_node("Einsum", ["a", "w"], ["y"], name="ein", equation=equation)
    graph = helper.make_graph([node], "g", [a], [y], initializer=[w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


# Einsum-12 equations that are not valid, each wrong in one way.
save(einsum_model("abc,cd->abde"), "einsum_unknown_output_label.onnx")
save(einsum_model("ab,cd->abd"), "einsum_rank_mismatch.onnx")
save(einsum_model("...a...,ad->d"), "einsum_two_ellipses.onnx")
save(einsum_model("ab1,cd->abd"), "einsum_bad_character.onnx")
