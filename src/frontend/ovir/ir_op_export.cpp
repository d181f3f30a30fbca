// frugal nodes -> OpenVINO layers: one visible switch over the op list. Nodes may come from ONNX
// models of any opset 11..21, so attribute-vs-input differences (Squeeze axes, Split sizes,
// Reduce axes, Softmax's 2-D coercion) are handled by Node::opset.
#include <cmath>
#include <limits>
#include <optional>

#include "frontend/onnx/tensor_proto.h"
#include "frontend/ovir/ir_export.h"
#include "frontend/ovir/ir_format.h"
#include "ir/onnx_dtype.h"
#include "ops/constant.h"
#include "ops/op_util.h"

namespace frugal::ovir {
namespace {

const char* kNumpy = "numpy";

std::string bool_text(bool b) { return b ? "true" : "false"; }

// The type and shape of node output i, for its port.
OutLayer::Output out_spec(ExportContext& c, size_t i = 0) {
    const Value& v = c.value(c.node->outputs[i]);
    return {v.dtype, v.shape, {}};
}

PortRef in(ExportContext& c, size_t i) {
    if (!c.node->has_input(i)) c.fail("missing input " + std::to_string(i));
    return c.port(c.node->inputs[i]);
}

const Value& in_value(ExportContext& c, size_t i) { return c.value(c.node->inputs[i]); }

// Adds a layer whose outputs are exactly the node's outputs and binds them.
void emit(ExportContext& c, const std::string& type, const std::string& version, DataAttrs data, std::vector<PortRef> ins) {
    std::vector<OutLayer::Output> outs;
    for (size_t i = 0; i < c.node->outputs.size(); ++i) outs.push_back(out_spec(c, i));
    std::vector<PortRef> ports = c.layer(type, version, "", std::move(data), std::move(ins), std::move(outs));
    for (size_t i = 0; i < c.node->outputs.size(); ++i)
        if (c.node->outputs[i] != kNoId) c.bind(c.node->outputs[i], ports[i]);
}

void emit_unary(ExportContext& c, const char* type) { emit(c, type, "opset1", {}, {in(c, 0)}); }

void emit_binary(ExportContext& c, const char* type, DataAttrs extra = {}) {
    DataAttrs data = {{"auto_broadcast", kNumpy}};
    for (auto& kv : extra) data.push_back(kv);
    emit(c, type, "opset1", data, {in(c, 0), in(c, 1)});
}

// The integer axes of a node: input `index` when present (opset >= `since`), else the `axes`
// attribute. nullopt when there are none.
std::optional<PortRef> axes_port(ExportContext& c, size_t index, int64_t since) {
    const Node& n = *c.node;
    if (n.opset >= since || !n.attrs.has("axes")) {
        if (n.has_input(index)) return in(c, index);
        if (!n.attrs.has("axes")) return std::nullopt;
    }
    return c.const_i64("axes", n.attrs.get_ints("axes"));
}

// Runtime axes that may be empty: ONNX then reduces over every axis, OpenVINO over none. The
// axes OpenVINO gets are axes ++ range(0, rank * (len(axes) == 0)).
PortRef axes_or_all(ExportContext& c, PortRef axes) {
    const Value& x = in_value(c, 0);
    PartialShape one(Shape{1});
    PortRef rank;
    if (x.shape.rank_known) {
        rank = c.const_i64("rank", {int64_t(x.shape.rank())});
    } else {
        PortRef shape = c.layer1("ShapeOf", "opset3", "shape", {{"output_type", "i64"}}, {in(c, 0)}, DType::i64, PartialShape::of_rank(1));
        rank = c.layer1("ShapeOf", "opset3", "rank", {{"output_type", "i64"}}, {shape}, DType::i64, one);
    }
    PortRef count = c.layer1("ShapeOf", "opset3", "axes_count", {{"output_type", "i64"}}, {axes}, DType::i64, one);
    PortRef empty = c.layer1("Equal", "opset1", "no_axes", {{"auto_broadcast", kNumpy}}, {count, c.const_i64("zero", {0})}, DType::boolean, one);
    PortRef flag = c.layer1("Convert", "opset1", "no_axes_i64", {{"destination_type", "i64"}}, {empty}, DType::i64, one);
    PortRef limit = c.layer1("Multiply", "opset1", "limit", {{"auto_broadcast", kNumpy}}, {rank, flag}, DType::i64, one);
    PortRef limit0 = c.layer1("Squeeze", "opset1", "limit_scalar", {}, {limit, c.const_i64("squeeze_axis", {0})}, DType::i64, PartialShape(Shape{}));
    PortRef all = c.layer1("Range", "opset4", "all_axes", {{"output_type", "i64"}},
                           {c.const_i64_scalar("start", 0), limit0, c.const_i64_scalar("step", 1)}, DType::i64, PartialShape::of_rank(1));
    if (c.port_type(axes).dtype != DType::i64)
        axes = c.layer1("Convert", "opset1", "axes_i64", {{"destination_type", "i64"}}, {axes}, DType::i64, c.port_type(axes).shape);
    return c.layer1("Concat", "opset1", "axes", {{"axis", "0"}}, {axes, all}, DType::i64, PartialShape::of_rank(1));
}

void export_reduce(ExportContext& c, const char* type) {
    const Node& n = *c.node;
    int64_t since = n.op == OpKind::ReduceSum ? 13 : 18;  // the opset that made axes an input
    bool keep = n.attrs.get_int("keepdims", 1) != 0;
    bool noop = n.attrs.get_int("noop_with_empty_axes", 0) != 0;
    std::optional<std::vector<int64_t>> axes;  // known when constant
    if (n.opset < since) axes = n.attrs.get_ints("axes");
    else if (!n.has_input(1)) axes = std::vector<int64_t>{};
    else if (in_value(c, 1).constant) axes = in_value(c, 1).constant->to_int_vector();
    PortRef axes_in;
    if (axes && axes->empty()) {
        if (noop) return c.bind(n.outputs[0], in(c, 0));  // no axes and noop: the identity
        // ONNX reduces over every axis; OpenVINO needs them listed.
        const PartialShape& s = in_value(c, 0).shape;
        if (!s.rank_known) c.fail("reducing over all axes of an input of unknown rank is not supported");
        std::vector<int64_t> all;
        for (size_t d = 0; d < s.rank(); ++d) all.push_back(int64_t(d));
        axes_in = c.const_i64("axes", all);
    } else if (n.opset < since) {
        axes_in = c.const_i64("axes", *axes);
    } else if (axes || noop) {
        axes_in = in(c, 1);  // a constant input is kept as it is; runtime axes agree when noop
    } else {
        axes_in = axes_or_all(c, in(c, 1));
    }
    emit(c, type, "opset1", {{"keep_dims", bool_text(keep)}}, {in(c, 0), axes_in});
}

void export_softmax(ExportContext& c, const char* type, const char* version) {
    const Node& n = *c.node;
    int64_t axis = n.attrs.get_int("axis", n.opset >= 13 ? -1 : 1);
    if (n.opset < 13) {
        // Before opset 13 Softmax flattens to 2-D at `axis`: the same only when axis is the last.
        const PartialShape& s = in_value(c, 0).shape;
        int64_t r = s.rank_known ? int64_t(s.rank()) : -1;
        if (r < 0 || normalize_axis(axis, r) != r - 1)
            c.fail("opset " + std::to_string(n.opset) + " Softmax over the flattened axes from " + std::to_string(axis) +
                   " has no OpenVINO equivalent unless it is the last axis");
    }
    emit(c, type, version, {{"axis", std::to_string(axis)}}, {in(c, 0)});
}

PartialShape reduced_shape(const PartialShape& s, const std::vector<int64_t>& axes) {
    PartialShape r = s;
    r.dim_names.clear();
    if (!r.rank_known) return r;
    for (int64_t a : axes) r.dims[size_t(a < 0 ? a + int64_t(r.rank()) : a)] = 1;
    return r;
}

// LayerNormalization whose Mean or InvStdDev output is used: computed step by step in the stash
// type, as the ONNX function defines it, so that those outputs exist as tensors.
void export_layer_norm_explicit(ExportContext& c, const std::vector<int64_t>& axes) {
    const Node& n = *c.node;
    const Value& x = in_value(c, 0);
    DType t = n.attrs.get_int("stash_type", 1) == 1 ? DType::f32 : x.dtype;
    DataAttrs numpy = {{"auto_broadcast", kNumpy}};
    PartialShape reduced = reduced_shape(x.shape, axes);
    PortRef xs = in(c, 0);
    if (x.dtype != t) xs = c.layer1("Convert", "opset1", "stash", {{"destination_type", ir_element_type(t)}}, {xs}, t, x.shape);
    PortRef axes_in = c.const_i64("axes", axes);
    PortRef mean = c.layer1("ReduceMean", "opset1", "mean", {{"keep_dims", "true"}}, {xs, axes_in}, t, reduced);
    PortRef centered = c.layer1("Subtract", "opset1", "centered", numpy, {xs, mean}, t, x.shape);
    PortRef squared = c.layer1("Multiply", "opset1", "squared", numpy, {centered, centered}, t, x.shape);
    PortRef var = c.layer1("ReduceMean", "opset1", "variance", {{"keep_dims", "true"}}, {squared, axes_in}, t, reduced);
    PortRef shifted = c.layer1("Add", "opset1", "variance_eps", numpy,
                               {var, c.const_scalar("epsilon", t, n.attrs.get_float("epsilon", 1e-5f))}, t, reduced);
    PortRef stddev = c.layer1("Sqrt", "opset1", "stddev", {}, {shifted}, t, reduced);
    PortRef inv = c.layer1("Divide", "opset1", "inv_stddev", {{"auto_broadcast", kNumpy}, {"m_pythondiv", "false"}},
                           {c.const_scalar("one", t, 1.0), stddev}, t, reduced);
    PortRef normed = c.layer1("Multiply", "opset1", "normalized", numpy, {centered, inv}, t, x.shape);
    if (x.dtype != t)
        normed = c.layer1("Convert", "opset1", "unstash", {{"destination_type", ir_element_type(x.dtype)}}, {normed}, x.dtype, x.shape);
    OutLayer::Output y = out_spec(c, 0);
    bool has_bias = n.has_input(2);
    PortRef r = c.layer("Multiply", "opset1", has_bias ? "scale" : "", numpy, {normed, in(c, 1)}, {y})[0];
    if (has_bias) r = c.layer("Add", "opset1", "", numpy, {r, in(c, 2)}, {y})[0];
    c.bind(n.outputs[0], r);
    PortRef extra[2] = {mean, inv};
    for (size_t i = 1; i < n.outputs.size() && i < 3; ++i) {
        if (n.outputs[i] == kNoId) continue;
        PortRef p = extra[i - 1];
        DType want = c.value(n.outputs[i]).dtype;
        if (want != DType::undefined && want != t)
            p = c.layer1("Convert", "opset1", i == 1 ? "mean_out" : "inv_stddev_out", {{"destination_type", ir_element_type(want)}}, {p},
                         want, reduced);
        c.bind(n.outputs[i], p);
    }
}

void export_layer_norm(ExportContext& c) {
    const Node& n = *c.node;
    const Value& x = in_value(c, 0);
    int64_t axis = n.attrs.get_int("axis", -1);
    std::vector<int64_t> axes;
    if (x.shape.rank_known) {
        int64_t r = int64_t(x.shape.rank());
        for (int64_t d = normalize_axis(axis, r); d < r; ++d) axes.push_back(d);
    } else if (axis < 0) {
        for (int64_t d = axis; d < 0; ++d) axes.push_back(d);
    } else {
        c.fail("axis " + std::to_string(axis) + " of an input of unknown rank");
    }
    if (n.outputs.size() > 1) {
        std::vector<std::vector<NodeId>> users = c.graph.consumers();
        for (size_t i = 1; i < n.outputs.size(); ++i) {
            ValueId o = n.outputs[i];
            if (o != kNoId && (!users[size_t(o)].empty() || c.graph.is_graph_output(o))) return export_layer_norm_explicit(c, axes);
        }
    }
    // The usual case: MVN, then the affine part.
    DType t = x.dtype;
    OutLayer::Output y = out_spec(c, 0);
    DataAttrs mvn = {{"eps", format_float(n.attrs.get_float("epsilon", 1e-5f))},
                     {"normalize_variance", "true"},
                     {"eps_mode", "inside_sqrt"}};
    PortRef normed = c.layer1("MVN", "opset6", "mvn", mvn, {in(c, 0), c.const_i64("axes", axes)}, t, x.shape);
    bool has_bias = n.has_input(2);
    PortRef scaled = c.layer("Multiply", "opset1", has_bias ? "scale" : "", {{"auto_broadcast", kNumpy}}, {normed, in(c, 1)}, {y})[0];
    if (has_bias) scaled = c.layer("Add", "opset1", "", {{"auto_broadcast", kNumpy}}, {scaled, in(c, 2)}, {y})[0];
    c.bind(n.outputs[0], scaled);
}

void export_gemm(ExportContext& c) {
    const Node& n = *c.node;
    float alpha = n.attrs.get_float("alpha", 1.0f), beta = n.attrs.get_float("beta", 1.0f);
    OutLayer::Output y = out_spec(c, 0);
    bool scale = alpha != 1.0f, bias = n.has_input(2);
    DataAttrs mm = {{"transpose_a", bool_text(n.attrs.get_int("transA", 0))},
                    {"transpose_b", bool_text(n.attrs.get_int("transB", 0))}};
    PortRef r = c.layer("MatMul", "opset1", scale || bias ? "matmul" : "", mm, {in(c, 0), in(c, 1)}, {y})[0];
    if (scale)
        r = c.layer("Multiply", "opset1", bias ? "alpha" : "", {{"auto_broadcast", kNumpy}},
                    {r, c.const_scalar("alpha", y.dtype, alpha)}, {y})[0];
    if (bias) {
        PortRef bias_in = in(c, 2);
        if (beta != 1.0f) {
            const Value& cv = in_value(c, 2);
            bias_in = c.layer1("Multiply", "opset1", "beta", {{"auto_broadcast", kNumpy}},
                               {bias_in, c.const_scalar("beta", cv.dtype, beta)}, cv.dtype, cv.shape);
        }
        r = c.layer("Add", "opset1", "", {{"auto_broadcast", kNumpy}}, {r, bias_in}, {y})[0];
    }
    c.bind(n.outputs[0], r);
}

// FusedMatMul: y = activation(x @ W + bias) + residual, unfused into the layers it came from.
void export_fused_matmul(ExportContext& c) {
    const Node& n = *c.node;
    OutLayer::Output y = out_spec(c, 0);
    std::string act = n.attrs.get_string("activation", "none");
    if (act != "none" && act != "gelu_tanh" && act != "gelu_erf") c.fail("unknown activation '" + act + "'");
    bool bias = n.has_input(2), residual = n.has_input(3);
    DataAttrs mm = {{"transpose_a", "false"}, {"transpose_b", bool_text(n.attrs.get_int("transpose_b", 0))}};
    int left = int(bias) + int(act != "none") + int(residual);
    PortRef r = c.layer("MatMul", "opset1", left ? "matmul" : "", mm, {in(c, 0), in(c, 1)}, {y})[0];
    if (bias) r = c.layer("Add", "opset1", --left ? "bias" : "", {{"auto_broadcast", kNumpy}}, {r, in(c, 2)}, {y})[0];
    if (act != "none")
        r = c.layer("Gelu", "opset7", --left ? "gelu" : "", {{"approximation_mode", act == "gelu_tanh" ? "tanh" : "erf"}}, {r}, {y})[0];
    if (residual) r = c.layer("Add", "opset1", "", {{"auto_broadcast", kNumpy}}, {r, in(c, 3)}, {y})[0];
    c.bind(n.outputs[0], r);
}

void export_flatten(ExportContext& c) {
    const PartialShape& s = in_value(c, 0).shape;
    int64_t axis = c.node->attrs.get_int("axis", 1);
    if (!s.rank_known) {
        if (axis == 0) return emit(c, "Reshape", "opset1", {{"special_zero", "true"}}, {in(c, 0), c.const_i64("shape", {1, -1})});
        if (axis == 1) return emit(c, "Reshape", "opset1", {{"special_zero", "true"}}, {in(c, 0), c.const_i64("shape", {0, -1})});
        c.fail("Flatten at axis " + std::to_string(axis) + " of an input of unknown rank");
    }
    int64_t r = int64_t(s.rank());
    axis = axis < 0 ? axis + r : axis;
    if (axis < 0 || axis > r) c.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    auto product = [&](int64_t from, int64_t to) -> int64_t {
        int64_t p = 1;
        for (int64_t d = from; d < to; ++d) {
            if (s.dims[size_t(d)] < 0) return -1;
            p *= s.dims[size_t(d)];
        }
        return p;
    };
    std::vector<int64_t> target;
    if (axis == 1 || (axis == 0)) target = {axis == 0 ? 1 : 0, -1};
    else if (product(0, axis) >= 0) target = {product(0, axis), -1};
    else if (product(axis, r) >= 0) target = {-1, product(axis, r)};
    else c.fail("Flatten at axis " + std::to_string(axis) + " with dynamic dims on both sides");
    emit(c, "Reshape", "opset1", {{"special_zero", "true"}}, {in(c, 0), c.const_i64("shape", target)});
}

void export_split(ExportContext& c) {
    const Node& n = *c.node;
    int64_t axis = n.attrs.get_int("axis", 0);
    PortRef axis_in = c.const_i64_scalar("axis", axis);
    std::optional<PortRef> lengths;
    if (n.opset >= 13 && n.has_input(1)) lengths = in(c, 1);
    else if (n.opset < 13 && n.attrs.has("split")) lengths = c.const_i64("split", n.attrs.get_ints("split"));
    if (lengths) return emit(c, "VariadicSplit", "opset1", {}, {in(c, 0), axis_in, *lengths});
    int64_t parts = int64_t(n.outputs.size());
    const PartialShape& s = in_value(c, 0).shape;
    int64_t dim = -1;
    if (s.rank_known) dim = s.dims[size_t(normalize_axis(axis, int64_t(s.rank())))];
    if (dim >= 0 && dim % parts != 0) {
        // opset 18: chunks of ceil(dim / parts), the last one smaller.
        int64_t chunk = (dim + parts - 1) / parts;
        std::vector<int64_t> sizes;
        for (int64_t i = 0, left = dim; i < parts; ++i, left -= chunk) sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
        return emit(c, "VariadicSplit", "opset1", {}, {in(c, 0), axis_in, c.const_i64("split", sizes)});
    }
    emit(c, "Split", "opset1", {{"num_splits", std::to_string(parts)}}, {in(c, 0), axis_in});
}

void export_slice(ExportContext& c) {
    const Node& n = *c.node;
    PortRef starts = in(c, 1), ends = in(c, 2);
    PortRef steps;
    if (n.has_input(4)) {
        steps = in(c, 4);
    } else {
        const Value& sv = in_value(c, 1);
        int64_t count = sv.constant ? sv.constant->numel()
                        : sv.shape.rank_known && sv.shape.rank() == 1 && sv.shape.dims[0] >= 0 ? sv.shape.dims[0]
                                                                                               : -1;
        if (count < 0) {
            // steps default to ones, as many as `starts` has at run time.
            PortRef shape = c.layer1("ShapeOf", "opset3", "starts_shape", {{"output_type", "i64"}}, {starts}, DType::i64,
                                     PartialShape(Shape{1}));
            steps = c.layer1("Broadcast", "opset3", "steps", {{"mode", "numpy"}}, {c.const_i64_scalar("one", 1), shape},
                             DType::i64, PartialShape::of_rank(1));
        } else {
            steps = c.const_i64("steps", std::vector<int64_t>(size_t(count), 1));
        }
    }
    std::vector<PortRef> ins = {in(c, 0), starts, ends, steps};
    if (n.has_input(3)) ins.push_back(in(c, 3));
    emit(c, "Slice", "opset8", {}, ins);
}

void export_shape(ExportContext& c) {
    const Node& n = *c.node;
    int64_t start = n.attrs.get_int("start", 0);
    bool has_end = n.attrs.has("end");
    if (start == 0 && !has_end) return emit(c, "ShapeOf", "opset3", {{"output_type", "i64"}}, {in(c, 0)});
    const PartialShape& s = in_value(c, 0).shape;
    PartialShape full = s.rank_known ? PartialShape(Shape{int64_t(s.rank())}) : PartialShape::of_rank(1);
    PortRef shape = c.layer1("ShapeOf", "opset3", "full", {{"output_type", "i64"}}, {in(c, 0)}, DType::i64, full);
    int64_t end = has_end ? n.attrs.get_int("end") : std::numeric_limits<int64_t>::max();
    emit(c, "Slice", "opset8", {},
         {shape, c.const_i64("start", {start}), c.const_i64("stop", {end}), c.const_i64("step", {1}), c.const_i64("axes", {0})});
}

void export_size(ExportContext& c) {
    const PartialShape& s = in_value(c, 0).shape;
    PartialShape full = s.rank_known ? PartialShape(Shape{int64_t(s.rank())}) : PartialShape::of_rank(1);
    PortRef shape = c.layer1("ShapeOf", "opset3", "shape", {{"output_type", "i64"}}, {in(c, 0)}, DType::i64, full);
    emit(c, "ReduceProd", "opset1", {{"keep_dims", "false"}}, {shape, c.const_i64("axes", {0})});
}

Tensor constant_attr_tensor(ExportContext& c) {
    try {
        return ops::constant_value(*c.node);
    } catch (const Error& e) {
        c.fail(e.what());
    }
}

void export_constant_of_shape(ExportContext& c) {
    Tensor value = c.node->attrs.has("value") ? c.node->attrs.get_tensor("value") : Tensor::scalar<float>(0.0f);
    if (value.numel() != 1) c.fail("value must hold one element");
    PortRef v = c.const_tensor(c.node->name + "/value", value.reshaped({}));
    emit(c, "Broadcast", "opset3", {{"mode", "numpy"}}, {v, in(c, 0)});
}

void export_min_max(ExportContext& c, const char* type) {
    const Node& n = *c.node;
    if (n.inputs.size() == 1) return c.bind(n.outputs[0], in(c, 0));
    PortRef acc = in(c, 0);
    PartialShape shape = in_value(c, 0).shape;
    for (size_t i = 1; i < n.inputs.size(); ++i) {
        if (i + 1 == n.inputs.size()) return emit(c, type, "opset1", {{"auto_broadcast", kNumpy}}, {acc, in(c, i)});
        try {
            shape = broadcast_partial(shape, in_value(c, i).shape);
        } catch (const Error&) {
            shape = PartialShape::unknown_rank();
        }
        acc = c.layer1(type, "opset1", "partial_" + std::to_string(i), {{"auto_broadcast", kNumpy}}, {acc, in(c, i)},
                       out_spec(c).dtype, shape);
    }
}

DType cast_target(ExportContext& c) {
    DType t = dtype_from_onnx_if_supported(c.node->attrs.get_int("to"));
    if (t == DType::undefined) c.fail("cast to ONNX type " + std::to_string(c.node->attrs.get_int("to")) + " is not supported");
    return t;
}

}  // namespace

void export_node(ExportContext& c, const Node& n) {
    switch (n.op) {
        case OpKind::Add: return emit_binary(c, "Add");
        case OpKind::Sub: return emit_binary(c, "Subtract");
        case OpKind::Mul: return emit_binary(c, "Multiply");
        // ONNX Div truncates integer quotients; OpenVINO's m_pythondiv=false does the same.
        case OpKind::Div: return emit_binary(c, "Divide", {{"m_pythondiv", "false"}});
        case OpKind::Pow: return emit_binary(c, "Power");
        case OpKind::Max: return export_min_max(c, "Maximum");
        case OpKind::Min: return export_min_max(c, "Minimum");
        case OpKind::Mod: return emit_binary(c, n.attrs.get_int("fmod", 0) ? "Mod" : "FloorMod");
        case OpKind::Sqrt: return emit_unary(c, "Sqrt");
        case OpKind::Reciprocal: {
            PortRef one = c.const_scalar("one", out_spec(c).dtype, 1.0);
            return emit(c, "Divide", "opset1", {{"auto_broadcast", kNumpy}, {"m_pythondiv", "false"}}, {one, in(c, 0)});
        }
        case OpKind::Neg: return emit_unary(c, "Negative");
        case OpKind::Abs: return emit_unary(c, "Abs");
        case OpKind::Exp: return emit_unary(c, "Exp");
        case OpKind::Log: return emit_unary(c, "Log");
        case OpKind::Tanh: return emit_unary(c, "Tanh");
        case OpKind::Erf: return emit_unary(c, "Erf");
        case OpKind::Sigmoid: return emit_unary(c, "Sigmoid");
        case OpKind::Relu: return emit_unary(c, "ReLU");
        case OpKind::Floor: return emit_unary(c, "Floor");
        case OpKind::Ceil: return emit_unary(c, "Ceiling");
        case OpKind::Sin: return emit_unary(c, "Sin");
        case OpKind::Cos: return emit_unary(c, "Cos");
        case OpKind::Sign: return emit_unary(c, "Sign");
        case OpKind::Gelu: {
            std::string approximate = n.attrs.get_string("approximate", "none");
            if (approximate != "none" && approximate != "tanh") c.fail("unknown approximate '" + approximate + "'");
            return emit(c, "Gelu", "opset7", {{"approximation_mode", approximate == "tanh" ? "tanh" : "erf"}}, {in(c, 0)});
        }
        case OpKind::Equal: return emit_binary(c, "Equal");
        case OpKind::Less: return emit_binary(c, "Less");
        case OpKind::Greater: return emit_binary(c, "Greater");
        case OpKind::LessOrEqual: return emit_binary(c, "LessEqual");
        case OpKind::GreaterOrEqual: return emit_binary(c, "GreaterEqual");
        case OpKind::Not: return emit_unary(c, "LogicalNot");
        case OpKind::And: return emit_binary(c, "LogicalAnd");
        case OpKind::Or: return emit_binary(c, "LogicalOr");
        case OpKind::Xor: return emit_binary(c, "LogicalXor");
        case OpKind::Where: return emit(c, "Select", "opset1", {{"auto_broadcast", kNumpy}}, {in(c, 0), in(c, 1), in(c, 2)});
        case OpKind::Cast: return emit(c, "Convert", "opset1", {{"destination_type", ir_element_type(cast_target(c))}}, {in(c, 0)});
        case OpKind::CastLike: return emit(c, "ConvertLike", "opset1", {}, {in(c, 0), in(c, 1)});
        case OpKind::MatMul:
            return emit(c, "MatMul", "opset1", {{"transpose_a", "false"}, {"transpose_b", "false"}}, {in(c, 0), in(c, 1)});
        case OpKind::Gemm: return export_gemm(c);
        case OpKind::Einsum: {
            std::vector<PortRef> ins;
            for (size_t i = 0; i < n.inputs.size(); ++i) ins.push_back(in(c, i));
            return emit(c, "Einsum", "opset7", {{"equation", n.attrs.get_string("equation")}}, ins);
        }
        case OpKind::Transpose: {
            // An empty order reverses the axes, like ONNX without `perm`.
            PortRef order = c.const_i64("order", n.attrs.get_ints("perm"));
            return emit(c, "Transpose", "opset1", {}, {in(c, 0), order});
        }
        case OpKind::Reshape:
            return emit(c, "Reshape", "opset1", {{"special_zero", bool_text(n.attrs.get_int("allowzero", 0) == 0)}},
                        {in(c, 0), in(c, 1)});
        case OpKind::Flatten: return export_flatten(c);
        case OpKind::Squeeze: {
            std::optional<PortRef> axes = axes_port(c, 1, 13);
            if (!axes) return emit(c, "Squeeze", "opset1", {}, {in(c, 0)});
            return emit(c, "Squeeze", "opset1", {}, {in(c, 0), *axes});
        }
        case OpKind::Unsqueeze: {
            std::optional<PortRef> axes = axes_port(c, 1, 13);
            if (!axes) c.fail("missing axes");
            return emit(c, "Unsqueeze", "opset1", {}, {in(c, 0), *axes});
        }
        case OpKind::Concat: {
            std::vector<PortRef> ins;
            for (size_t i = 0; i < n.inputs.size(); ++i) ins.push_back(in(c, i));
            return emit(c, "Concat", "opset1", {{"axis", std::to_string(n.attrs.get_int("axis"))}}, ins);
        }
        case OpKind::Split: return export_split(c);
        case OpKind::Slice: return export_slice(c);
        case OpKind::Gather:
            return emit(c, "Gather", "opset8", {{"batch_dims", "0"}},
                        {in(c, 0), in(c, 1), c.const_i64_scalar("axis", n.attrs.get_int("axis", 0))});
        case OpKind::Expand: return emit(c, "Broadcast", "opset3", {{"mode", "bidirectional"}}, {in(c, 0), in(c, 1)});
        case OpKind::Tile: return emit(c, "Tile", "opset1", {}, {in(c, 0), in(c, 1)});
        case OpKind::Identity: return c.bind(n.outputs[0], in(c, 0));
        case OpKind::Shape: return export_shape(c);
        case OpKind::Size: return export_size(c);
        case OpKind::ConstantOfShape: return export_constant_of_shape(c);
        case OpKind::Constant: return c.bind(n.outputs[0], c.const_tensor(n.name, constant_attr_tensor(c)));
        case OpKind::Range:
            return emit(c, "Range", "opset4", {{"output_type", ir_element_type(out_spec(c).dtype)}}, {in(c, 0), in(c, 1), in(c, 2)});
        case OpKind::ReduceSum: return export_reduce(c, "ReduceSum");
        case OpKind::ReduceMean: return export_reduce(c, "ReduceMean");
        case OpKind::ReduceMax: return export_reduce(c, "ReduceMax");
        case OpKind::ReduceMin: return export_reduce(c, "ReduceMin");
        case OpKind::ReduceProd: return export_reduce(c, "ReduceProd");
        case OpKind::Softmax: return export_softmax(c, "SoftMax", "opset8");
        case OpKind::LogSoftmax: return export_softmax(c, "LogSoftmax", "opset5");
        case OpKind::LayerNormalization: return export_layer_norm(c);
        case OpKind::CumSum:
            return emit(c, "CumSum", "opset3",
                        {{"exclusive", bool_text(n.attrs.get_int("exclusive", 0))}, {"reverse", bool_text(n.attrs.get_int("reverse", 0))}},
                        {in(c, 0), in(c, 1)});
        case OpKind::FusedMatMul: return export_fused_matmul(c);
        case OpKind::Trilu:
        case OpKind::Count: break;
    }
    throw UnsupportedError(n.context() + ": has no OpenVINO equivalent", "op " + std::string(op_name(n.op)));
}

}  // namespace frugal::ovir
