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


# Resource limits: each model asks for more than any machine has, or for a size that does not
# fit in 64 bits, in a few bytes of file; frugal must refuse it before allocating.
def single_node_model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


y_any = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
# ConstantOfShape to float32[100000,100000,1000]: 40 TB for an intermediate value.
huge_shape = numpy_helper.from_array(np.array([100000, 100000, 1000], np.int64), "huge_shape")
save(single_node_model([helper.make_node("ConstantOfShape", ["huge_shape"], ["y"], name="big")], [], [y_any], [huge_shape]),
     "huge_intermediate.onnx")
# A graph input declared float32[1000000,1000000,1000].
save(single_node_model([helper.make_node("Relu", ["x"], ["y"], name="act")],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1000000, 1000000, 1000])], [y_any]),
     "huge_input.onnx")
# An initializer whose element count overflows 64 bits (2^40 * 2^40), with no data at all.
def empty_tensor(name, dims):  # helper.make_tensor would check the value count
    t = TensorProto()
    t.name, t.data_type = name, TensorProto.FLOAT
    t.dims.extend(dims)
    return t


overflow = empty_tensor("w", [1 << 40, 1 << 40])
save(matmul_model(overflow), "overflow_initializer.onnx")
# An initializer claiming 4e12 elements in typed fields but holding none.
missing_values = empty_tensor("w", [4, 1000000000000])
save(matmul_model(missing_values), "huge_typed_initializer.onnx")

# External data at an offset near 2^64 (the sum offset + length wraps around).
t = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), "w")
t.ClearField("raw_data")
t.data_location = TensorProto.EXTERNAL
for k, v in {"location": "weights.bin", "offset": str((1 << 64) - 8)}.items():
    e = t.external_data.add()
    e.key, e.value = k, v
onnx.save(matmul_model(t), os.path.join(out, "ext", "wrapping_offset_external.onnx"))


# Nesting: an If whose branch holds an If ... 200 deep. Protobuf refuses messages nested more than
# 100 deep while parsing, so the file never becomes a half-read graph. Written by hand-built
# bytes because the Python protobuf runtime may refuse to serialize it.
def varint(n):
    b = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        b.append(c | (0x80 if n else 0))
        if not n:
            return bytes(b)


def field(number, payload):  # a length-delimited field
    return varint(number << 3 | 2) + varint(len(payload)) + payload


inner = field(1, field(4, b"Relu"))  # GraphProto{node: NodeProto{op_type}}
for _ in range(200):
    # NodeProto{op_type: "If", attribute: AttributeProto{name, g: inner, type: GRAPH(5)}} in a GraphProto
    attribute = field(1, b"then_branch") + field(6, inner) + varint(20 << 3) + varint(5)
    inner = field(1, field(4, b"If") + field(5, attribute))
with open(os.path.join(out, "deep_nesting.onnx"), "wb") as f:
    f.write(varint(1 << 3) + varint(8) + field(7, inner) + field(8, varint(2 << 3) + varint(17)))

# .npy files whose headers claim more than the data holds.
def npy_with_header(path, header):
    header = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 16)


npy_with_header(os.path.join(out, "huge_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 1000), }")
npy_with_header(os.path.join(out, "overflow_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }")
npy_with_header(os.path.join(out, "wrapping_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")
