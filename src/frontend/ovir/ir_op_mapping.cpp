// OpenVINO op types -> frugal (ONNX opset 21) nodes: the table, and the elementwise, type,
// reduction and normalization translators. Data movement lives in ir_op_mapping_movement.cpp and
// the slicing family in ir_op_mapping_slice.cpp.
#include <cmath>
#include <cstring>

#include "frontend/onnx/tensor_proto.h"
#include "frontend/ovir/ir_format.h"
#include "frontend/ovir/ir_import.h"
#include "ir/onnx_dtype.h"

namespace frugal::ovir {
namespace {

Attributes one_attr(const char* name, AttributeValue v) {
    Attributes a;
    a.set(name, std::move(v));
    return a;
}

int64_t onnx_code(DType t) { return dtype_to_onnx(t); }

bool is_signed_int(DType t) { return t == DType::i8 || t == DType::i16 || t == DType::i32 || t == DType::i64; }

template <OpKind K>
std::vector<ValueId> unary(ImportContext& c) {
    return {c.add_out(K, {c.in(0)})};
}

template <OpKind K>
std::vector<ValueId> binary(ImportContext& c) {
    c.check_auto_broadcast();
    return {c.add_out(K, {c.in(0), c.in(1)})};
}

std::vector<ValueId> divide(ImportContext& c) {
    c.check_auto_broadcast();
    DType t = c.in_dtype(0);
    ValueId a = c.in(0), b = c.in(1);
    if (!c.attr_bool("m_pythondiv", true) || !is_signed_int(t)) return {c.add_out(OpKind::Div, {a, b})};
    // Python division floors, ONNX Div truncates toward zero: floor(a/b) = trunc(a/b) - 1 exactly
    // when the remainder is nonzero and its sign differs from the divisor's.
    PartialShape s = c.layer.outputs[0].shape;
    ValueId q = c.add_temp(OpKind::Div, {a, b}, "trunc", t, s);
    ValueId r = c.add_temp(OpKind::Mod, {a, b}, "rem", t, s, one_attr("fmod", int64_t(1)));
    ValueId zero = c.const_scalar("zero", t, 0);
    ValueId r_zero = c.add_temp(OpKind::Equal, {r, zero}, "rem_is_zero", DType::boolean, s);
    ValueId r_nonzero = c.add_temp(OpKind::Not, {r_zero}, "rem_nonzero", DType::boolean, s);
    ValueId r_neg = c.add_temp(OpKind::Less, {r, zero}, "rem_negative", DType::boolean, s);
    ValueId b_neg = c.add_temp(OpKind::Less, {b, zero}, "divisor_negative", DType::boolean, c.in_shape(1));
    ValueId differ = c.add_temp(OpKind::Xor, {r_neg, b_neg}, "signs_differ", DType::boolean, s);
    ValueId adjust = c.add_temp(OpKind::And, {r_nonzero, differ}, "adjust", DType::boolean, s);
    ValueId adjust_t = c.add_temp(OpKind::Cast, {adjust}, "adjust_int", t, s, one_attr("to", onnx_code(t)));
    return {c.add_out(OpKind::Sub, {q, adjust_t})};
}

std::vector<ValueId> floor_mod(ImportContext& c) {
    c.check_auto_broadcast();
    DType t = c.in_dtype(0);
    if (!dtype_is_float(t)) return {c.add_out(OpKind::Mod, {c.in(0), c.in(1)}, one_attr("fmod", int64_t(0)))};
    // ONNX Mod on floats is fmod only; the floored remainder is a - floor(a/b) * b.
    PartialShape s = c.layer.outputs[0].shape;
    ValueId q = c.add_temp(OpKind::Div, {c.in(0), c.in(1)}, "quotient", t, s);
    ValueId f = c.add_temp(OpKind::Floor, {q}, "floor", t, s);
    ValueId m = c.add_temp(OpKind::Mul, {f, c.in(1)}, "multiple", t, s);
    return {c.add_out(OpKind::Sub, {c.in(0), m})};
}

std::vector<ValueId> truncated_mod(ImportContext& c) {
    c.check_auto_broadcast();
    return {c.add_out(OpKind::Mod, {c.in(0), c.in(1)}, one_attr("fmod", int64_t(1)))};
}

std::vector<ValueId> squared_difference(ImportContext& c) {
    c.check_auto_broadcast();
    ValueId d = c.add_temp(OpKind::Sub, {c.in(0), c.in(1)}, "difference", c.in_dtype(0), c.layer.outputs[0].shape);
    return {c.add_out(OpKind::Mul, {d, d})};
}

std::vector<ValueId> not_equal(ImportContext& c) {
    c.check_auto_broadcast();
    ValueId e = c.add_temp(OpKind::Equal, {c.in(0), c.in(1)}, "equal", DType::boolean, c.layer.outputs[0].shape);
    return {c.add_out(OpKind::Not, {e})};
}

std::vector<ValueId> clamp(ImportContext& c) {
    DType t = c.in_dtype(0);
    double lo = c.attr_float("min", 0), hi = c.attr_float("max", 0);
    if (!c.has_attr("min") || !c.has_attr("max")) c.fail("Clamp needs both min and max attributes");
    // For integers OpenVINO rounds the bounds inward.
    if (!dtype_is_float(t)) lo = std::ceil(lo), hi = std::floor(hi);
    ValueId low = c.add_temp(OpKind::Max, {c.in(0), c.const_scalar("min", t, lo)}, "at_least_min", t, c.in_shape(0));
    return {c.add_out(OpKind::Min, {low, c.const_scalar("max", t, hi)})};
}

std::vector<ValueId> swish(ImportContext& c) {
    DType t = c.in_dtype(0);
    PartialShape s = c.in_shape(0);
    ValueId arg = c.in(0);
    if (c.input_count() > 1) arg = c.add_temp(OpKind::Mul, {c.in(0), c.in(1)}, "scaled", t, s);
    ValueId sig = c.add_temp(OpKind::Sigmoid, {arg}, "sigmoid", t, s);
    return {c.add_out(OpKind::Mul, {c.in(0), sig})};
}

std::vector<ValueId> gelu(ImportContext& c) {
    std::string approximate = "none";
    if (c.layer.opset >= 7) {
        std::string mode = lowercase(c.attr("approximation_mode", "erf"));
        if (mode == "tanh") approximate = "tanh";
        else if (mode != "erf") c.fail("unknown approximation_mode '" + mode + "' (expected erf or tanh)");
    }
    return {c.add_out(OpKind::Gelu, {c.in(0)}, one_attr("approximate", approximate))};
}

template <OpKind K>
std::vector<ValueId> softmax(ImportContext& c) {
    return {c.add_out(K, {c.in(0)}, one_attr("axis", c.attr_int("axis", 1)))};
}

std::vector<ValueId> convert(ImportContext& c) {
    std::string name = c.attr_required("destination_type");
    std::optional<DType> t = dtype_from_ir(name);
    if (!t) c.unsupported("destination_type '" + name + "' is not supported", "element type " + name);
    return {c.add_out(OpKind::Cast, {c.in(0)}, one_attr("to", onnx_code(*t)))};
}

std::vector<ValueId> convert_like(ImportContext& c) { return {c.add_out(OpKind::CastLike, {c.in(0), c.in(1)})}; }

std::vector<ValueId> einsum(ImportContext& c) {
    std::vector<ValueId> ins;
    for (size_t i = 0; i < c.input_count(); ++i) ins.push_back(c.in(i));
    return {c.add_out(OpKind::Einsum, ins, one_attr("equation", c.attr_required("equation")))};
}

std::vector<ValueId> select(ImportContext& c) {
    c.check_auto_broadcast();
    return {c.add_out(OpKind::Where, {c.in(0), c.in(1), c.in(2)})};
}

std::vector<ValueId> shape_of(ImportContext& c) {
    std::string type = c.layer.opset >= 3 ? c.attr("output_type", "i64") : "i64";
    std::optional<DType> t = dtype_from_ir(type);
    if (t != DType::i64 && t != DType::i32) c.fail("output_type '" + type + "' must be i32 or i64");
    if (t == DType::i64) return {c.add_out(OpKind::Shape, {c.in(0)})};
    ValueId s = c.add_temp(OpKind::Shape, {c.in(0)}, "shape_i64", DType::i64, c.layer.outputs[0].shape);
    return {c.add_out(OpKind::Cast, {s}, one_attr("to", onnx_code(DType::i32)))};
}

std::vector<ValueId> range(ImportContext& c) {
    DType t = c.in_dtype(0);
    if (c.layer.opset >= 4) {
        std::string name = c.attr_required("output_type");
        std::optional<DType> ot = dtype_from_ir(name);
        if (!ot) c.unsupported("output_type '" + name + "' is not supported", "element type " + name);
        t = *ot;
    }
    // ONNX Range wants three scalars of the output type.
    std::vector<ValueId> ins;
    const char* names[] = {"start", "stop", "step"};
    for (size_t i = 0; i < 3; ++i) {
        ValueId v = c.in(i);
        PartialShape s = c.in_shape(i);
        if (s.rank_known && s.rank() == 1) {
            if (s.dims[0] > 1) c.fail(std::string(names[i]) + " must be a scalar, got " + s.to_string());
            v = c.add_temp(OpKind::Squeeze, {v}, std::string(names[i]) + "_scalar", c.in_dtype(i), PartialShape(Shape{}));
        } else if (s.rank_known && s.rank() > 1) {
            c.fail(std::string(names[i]) + " must be a scalar, got " + s.to_string());
        }
        if (c.in_dtype(i) != t)
            v = c.add_temp(OpKind::Cast, {v}, std::string(names[i]) + "_cast", t, PartialShape(Shape{}),
                           one_attr("to", onnx_code(t)));
        ins.push_back(v);
    }
    return {c.add_out(OpKind::Range, ins)};
}

template <OpKind K>
std::vector<ValueId> reduce(ImportContext& c) {
    // OpenVINO reduces over no axes when `axes` is empty (the identity), ONNX over all of them
    // unless noop_with_empty_axes is set.
    Attributes a;
    a.set("keepdims", int64_t(c.attr_bool("keep_dims", false)));
    a.set("noop_with_empty_axes", int64_t(1));
    return {c.add_out(K, {c.in(0), c.as_i64(1, true)}, a)};
}

std::vector<ValueId> cumsum(ImportContext& c) {
    Attributes a;
    a.set("exclusive", int64_t(c.attr_bool("exclusive", false)));
    a.set("reverse", int64_t(c.attr_bool("reverse", false)));
    ValueId axis = c.input_count() > 1 ? c.in(1) : c.const_i64_scalar("axis", 0);
    return {c.add_out(OpKind::CumSum, {c.in(0), axis}, a)};
}

const OpMapping kMappings[] = {
    // elementwise arithmetic
    {"Add", 1, 2, 2, binary<OpKind::Add>},
    {"Subtract", 1, 2, 2, binary<OpKind::Sub>},
    {"Multiply", 1, 2, 2, binary<OpKind::Mul>},
    {"Divide", 1, 2, 2, divide},
    {"Power", 1, 2, 2, binary<OpKind::Pow>},
    {"Maximum", 1, 2, 2, binary<OpKind::Max>},
    {"Minimum", 1, 2, 2, binary<OpKind::Min>},
    {"FloorMod", 1, 2, 2, floor_mod},
    {"Mod", 1, 2, 2, truncated_mod},
    {"SquaredDifference", 1, 2, 2, squared_difference},
    // elementwise unary
    {"Sqrt", 1, 1, 1, unary<OpKind::Sqrt>},
    {"Exp", 1, 1, 1, unary<OpKind::Exp>},
    {"Log", 1, 1, 1, unary<OpKind::Log>},
    {"Tanh", 1, 1, 1, unary<OpKind::Tanh>},
    {"Erf", 1, 1, 1, unary<OpKind::Erf>},
    {"Abs", 1, 1, 1, unary<OpKind::Abs>},
    {"Negative", 1, 1, 1, unary<OpKind::Neg>},
    {"Sigmoid", 1, 1, 1, unary<OpKind::Sigmoid>},
    {"ReLU", 1, 1, 1, unary<OpKind::Relu>},
    {"Floor", 1, 1, 1, unary<OpKind::Floor>},
    {"Ceiling", 1, 1, 1, unary<OpKind::Ceil>},
    {"Sin", 1, 1, 1, unary<OpKind::Sin>},
    {"Cos", 1, 1, 1, unary<OpKind::Cos>},
    {"Sign", 1, 1, 1, unary<OpKind::Sign>},
    {"Clamp", 1, 1, 1, clamp},
    {"Swish", 4, 1, 2, swish},
    {"Gelu", 2, 1, 1, gelu},
    // comparison and logic
    {"Equal", 1, 2, 2, binary<OpKind::Equal>},
    {"NotEqual", 1, 2, 2, not_equal},
    {"Less", 1, 2, 2, binary<OpKind::Less>},
    {"Greater", 1, 2, 2, binary<OpKind::Greater>},
    {"LessEqual", 1, 2, 2, binary<OpKind::LessOrEqual>},
    {"GreaterEqual", 1, 2, 2, binary<OpKind::GreaterOrEqual>},
    {"LogicalNot", 1, 1, 1, unary<OpKind::Not>},
    {"LogicalAnd", 1, 2, 2, binary<OpKind::And>},
    {"LogicalOr", 1, 2, 2, binary<OpKind::Or>},
    {"LogicalXor", 1, 2, 2, binary<OpKind::Xor>},
    {"Select", 1, 3, 3, select},
    // types
    {"Convert", 1, 1, 1, convert},
    {"Identity", 16, 1, 1, unary<OpKind::Identity>},
    {"ConvertLike", 1, 2, 2, convert_like},
    // linear algebra
    {"MatMul", 1, 2, 2, translate_matmul},
    {"Einsum", 7, 1, 1 << 20, einsum},
    // data movement
    {"Transpose", 1, 2, 2, translate_transpose},
    {"Reshape", 1, 2, 2, translate_reshape},
    {"Squeeze", 1, 1, 2, translate_squeeze},
    {"Unsqueeze", 1, 2, 2, translate_unsqueeze},
    {"Concat", 1, 1, 1 << 20, translate_concat},
    {"Split", 1, 2, 2, translate_split},
    {"VariadicSplit", 1, 3, 3, translate_variadic_split},
    {"StridedSlice", 1, 3, 4, translate_strided_slice},
    {"Slice", 8, 4, 5, translate_slice},
    {"Gather", 1, 3, 3, translate_gather},
    {"Broadcast", 1, 2, 3, translate_broadcast},
    {"Tile", 1, 2, 2, translate_tile},
    // shapes and generators
    {"ShapeOf", 1, 1, 1, shape_of},
    {"Range", 1, 3, 3, range},
    // reductions and normalization
    {"ReduceSum", 1, 2, 2, reduce<OpKind::ReduceSum>},
    {"ReduceMean", 1, 2, 2, reduce<OpKind::ReduceMean>},
    {"ReduceMax", 1, 2, 2, reduce<OpKind::ReduceMax>},
    {"ReduceMin", 1, 2, 2, reduce<OpKind::ReduceMin>},
    {"ReduceProd", 1, 2, 2, reduce<OpKind::ReduceProd>},
    {"SoftMax", 1, 1, 1, softmax<OpKind::Softmax>},
    {"LogSoftmax", 5, 1, 1, softmax<OpKind::LogSoftmax>},
    {"MVN", 2, 1, 2, translate_mvn},
    {"CumSum", 3, 1, 2, cumsum},
};

}  // namespace

const OpMapping* find_op_mapping(const std::string& type) {
    std::string t = lowercase(type);
    for (const OpMapping& m : kMappings)
        if (t == lowercase(m.type)) return &m;
    return nullptr;
}

// OpenVINO transposes the last two dims of an operand of rank >= 2 before multiplying; a 1-D
// operand is not transposed.
static ValueId transpose_last_two(ImportContext& c, size_t i, const char* suffix) {
    int64_t r = c.in_rank(i);
    // A port without dims reads as a scalar, which MatMul cannot take; OpenVINO also writes an
    // unknown rank that way, and guessing would transpose the wrong axes.
    if (r == 0) c.fail("operand " + std::to_string(i) + " has no dims (a scalar, or a rank the IR does not give)");
    if (r < 2) return c.in(i);
    std::vector<int64_t> perm(size_t(r), 0);
    for (int64_t d = 0; d < r; ++d) perm[size_t(d)] = d;
    std::swap(perm[size_t(r - 2)], perm[size_t(r - 1)]);
    PartialShape s = c.in_shape(i);
    std::swap(s.dims[size_t(r - 2)], s.dims[size_t(r - 1)]);
    if (!s.dim_names.empty()) s.dim_names.clear();
    return c.add_temp(OpKind::Transpose, {c.in(i)}, suffix, c.in_dtype(i), s, one_attr("perm", perm));
}

std::vector<ValueId> translate_matmul(ImportContext& c) {
    ValueId a = c.attr_bool("transpose_a", false) ? transpose_last_two(c, 0, "a_transposed") : c.in(0);
    ValueId b = c.attr_bool("transpose_b", false) ? transpose_last_two(c, 1, "b_transposed") : c.in(1);
    return {c.add_out(OpKind::MatMul, {a, b})};
}

// MVN-6: y = (x - mean) / sqrt(var + eps) (inside_sqrt) or / (sqrt(var) + eps) (outside_sqrt),
// mean and var over `axes`. MVN-1 (opset2..5) takes its axes from reduction_axes or
// across_channels and adds eps inside the sqrt, as OpenVINO's reference does.
std::vector<ValueId> translate_mvn(ImportContext& c) {
    DType t = c.in_dtype(0);
    PartialShape s = c.in_shape(0);
    ValueId axes;
    std::vector<int64_t> axes_known;
    bool axes_are_known = false;
    bool inside_sqrt = true;
    if (c.layer.opset >= 6) {
        if (c.input_count() != 2) c.fail("MVN-6 takes two inputs (data, axes)");
        std::string mode = lowercase(c.attr_required("eps_mode"));
        if (mode == "outside_sqrt") inside_sqrt = false;
        else if (mode != "inside_sqrt") c.fail("unknown eps_mode '" + mode + "' (expected inside_sqrt or outside_sqrt)");
        axes = c.as_i64(1, true);
        if (c.in_const(1)) axes_known = c.const_ints(1, "axes"), axes_are_known = true;
    } else {
        if (c.input_count() != 1) c.fail("MVN-1 takes one input");
        if (c.has_attr("reduction_axes")) {
            axes_known = c.attr_ints("reduction_axes");
        } else {
            int64_t r = c.in_rank(0);
            for (int64_t d = c.attr_bool("across_channels", false) ? 1 : 2; d < r; ++d) axes_known.push_back(d);
        }
        axes_are_known = true;
        axes = c.const_i64("axes", axes_known);
    }
    if (!c.has_attr("eps")) c.fail("missing attribute 'eps' in <data>");
    if (!c.has_attr("normalize_variance")) c.fail("missing attribute 'normalize_variance' in <data>");
    float eps = c.attr_float("eps", 0);
    bool normalize_variance = c.attr_bool("normalize_variance", true);

    PartialShape reduced = s;
    if (s.rank_known) {
        reduced.dim_names.clear();
        if (axes_are_known) {
            for (int64_t a : axes_known) {
                int64_t r = int64_t(s.rank());
                if (a < -r || a >= r) c.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(r));
                reduced.dims[size_t(a < 0 ? a + r : a)] = 1;
            }
        } else {
            reduced = PartialShape::of_rank(s.rank());
        }
    }
    Attributes keep;
    keep.set("keepdims", int64_t(1));
    keep.set("noop_with_empty_axes", int64_t(1));  // as reduce<> sets it: OpenVINO's empty axes
    ValueId mean = c.add_temp(OpKind::ReduceMean, {c.in(0), axes}, "mean", t, reduced, keep);
    if (!normalize_variance) return {c.add_out(OpKind::Sub, {c.in(0), mean})};
    ValueId centered = c.add_temp(OpKind::Sub, {c.in(0), mean}, "centered", t, s);
    ValueId squared = c.add_temp(OpKind::Mul, {centered, centered}, "squared", t, s);
    ValueId variance = c.add_temp(OpKind::ReduceMean, {squared, axes}, "variance", t, reduced, keep);
    ValueId e = c.const_scalar("eps", t, eps);
    ValueId denominator;
    if (inside_sqrt) {
        ValueId shifted = c.add_temp(OpKind::Add, {variance, e}, "variance_eps", t, reduced);
        denominator = c.add_temp(OpKind::Sqrt, {shifted}, "stddev", t, reduced);
    } else {
        ValueId stddev = c.add_temp(OpKind::Sqrt, {variance}, "stddev", t, reduced);
        denominator = c.add_temp(OpKind::Add, {stddev, e}, "stddev_eps", t, reduced);
    }
    return {c.add_out(OpKind::Div, {centered, denominator})};
}

}  // namespace frugal::ovir
