#include <cstring>
#include <string>

#include "ir/error.h"
#include "ops/op_functions.h"

namespace frugal {

static const OpInfo kOpTable[] = {
    {OpKind::Add, "Add", ops::infer_add, ops::evaluate_add, 2, 2},
    {OpKind::Sub, "Sub", ops::infer_sub, ops::evaluate_sub, 2, 2},
    {OpKind::Mul, "Mul", ops::infer_mul, ops::evaluate_mul, 2, 2},
    {OpKind::Div, "Div", ops::infer_div, ops::evaluate_div, 2, 2},
    {OpKind::Pow, "Pow", ops::infer_pow, ops::evaluate_pow, 2, 2},
    {OpKind::Max, "Max", ops::infer_max, ops::evaluate_max, 1, -1},
    {OpKind::Min, "Min", ops::infer_min, ops::evaluate_min, 1, -1},
    {OpKind::Mod, "Mod", ops::infer_mod, ops::evaluate_mod, 2, 2},
    {OpKind::Sqrt, "Sqrt", ops::infer_sqrt, ops::evaluate_sqrt, 1, 1},
    {OpKind::Reciprocal, "Reciprocal", ops::infer_reciprocal, ops::evaluate_reciprocal, 1, 1},
    {OpKind::Neg, "Neg", ops::infer_neg, ops::evaluate_neg, 1, 1},
    {OpKind::Abs, "Abs", ops::infer_abs, ops::evaluate_abs, 1, 1},
    {OpKind::Exp, "Exp", ops::infer_exp, ops::evaluate_exp, 1, 1},
    {OpKind::Log, "Log", ops::infer_log, ops::evaluate_log, 1, 1},
    {OpKind::Tanh, "Tanh", ops::infer_tanh, ops::evaluate_tanh, 1, 1},
    {OpKind::Erf, "Erf", ops::infer_erf, ops::evaluate_erf, 1, 1},
    {OpKind::Sigmoid, "Sigmoid", ops::infer_sigmoid, ops::evaluate_sigmoid, 1, 1},
    {OpKind::Relu, "Relu", ops::infer_relu, ops::evaluate_relu, 1, 1},
    {OpKind::Floor, "Floor", ops::infer_floor, ops::evaluate_floor, 1, 1},
    {OpKind::Ceil, "Ceil", ops::infer_ceil, ops::evaluate_ceil, 1, 1},
    {OpKind::Sin, "Sin", ops::infer_sin, ops::evaluate_sin, 1, 1},
    {OpKind::Cos, "Cos", ops::infer_cos, ops::evaluate_cos, 1, 1},
    {OpKind::Sign, "Sign", ops::infer_sign, ops::evaluate_sign, 1, 1},
    {OpKind::Gelu, "Gelu", ops::infer_gelu, ops::evaluate_gelu, 1, 1},
    {OpKind::Equal, "Equal", ops::infer_equal, ops::evaluate_equal, 2, 2},
    {OpKind::Less, "Less", ops::infer_less, ops::evaluate_less, 2, 2},
    {OpKind::Greater, "Greater", ops::infer_greater, ops::evaluate_greater, 2, 2},
    {OpKind::LessOrEqual, "LessOrEqual", ops::infer_less_or_equal, ops::evaluate_less_or_equal, 2, 2},
    {OpKind::GreaterOrEqual, "GreaterOrEqual", ops::infer_greater_or_equal, ops::evaluate_greater_or_equal, 2, 2},
    {OpKind::Not, "Not", ops::infer_not, ops::evaluate_not, 1, 1},
    {OpKind::And, "And", ops::infer_and, ops::evaluate_and, 2, 2},
    {OpKind::Or, "Or", ops::infer_or, ops::evaluate_or, 2, 2},
    {OpKind::Xor, "Xor", ops::infer_xor, ops::evaluate_xor, 2, 2},
    {OpKind::Where, "Where", ops::infer_where, ops::evaluate_where, 3, 3},
    {OpKind::Cast, "Cast", ops::infer_cast, ops::evaluate_cast, 1, 1},
    {OpKind::CastLike, "CastLike", ops::infer_cast_like, ops::evaluate_cast_like, 2, 2},
    {OpKind::MatMul, "MatMul", ops::infer_matmul, ops::evaluate_matmul, 2, 2},
    {OpKind::Gemm, "Gemm", ops::infer_gemm, ops::evaluate_gemm, 2, 3},
    {OpKind::Einsum, "Einsum", ops::infer_einsum, ops::evaluate_einsum, 1, -1},
    {OpKind::Transpose, "Transpose", ops::infer_transpose, ops::evaluate_transpose, 1, 1},
    {OpKind::Reshape, "Reshape", ops::infer_reshape, ops::evaluate_reshape, 2, 2},
    {OpKind::Flatten, "Flatten", ops::infer_flatten, ops::evaluate_flatten, 1, 1},
    {OpKind::Squeeze, "Squeeze", ops::infer_squeeze, ops::evaluate_squeeze, 1, 2},
    {OpKind::Unsqueeze, "Unsqueeze", ops::infer_unsqueeze, ops::evaluate_unsqueeze, 1, 2},
    {OpKind::Concat, "Concat", ops::infer_concat, ops::evaluate_concat, 1, -1},
    {OpKind::Split, "Split", ops::infer_split, ops::evaluate_split, 1, 2},
    {OpKind::Slice, "Slice", ops::infer_slice, ops::evaluate_slice, 1, 5},
    {OpKind::Gather, "Gather", ops::infer_gather, ops::evaluate_gather, 2, 2},
    {OpKind::Expand, "Expand", ops::infer_expand, ops::evaluate_expand, 2, 2},
    {OpKind::Tile, "Tile", ops::infer_tile, ops::evaluate_tile, 2, 2},
    {OpKind::Trilu, "Trilu", ops::infer_trilu, ops::evaluate_trilu, 1, 2},
    {OpKind::Identity, "Identity", ops::infer_identity, ops::evaluate_identity, 1, 1},
    {OpKind::Shape, "Shape", ops::infer_shape, ops::evaluate_shape, 1, 1},
    {OpKind::Size, "Size", ops::infer_size, ops::evaluate_size, 1, 1},
    {OpKind::ConstantOfShape, "ConstantOfShape", ops::infer_constant_of_shape, ops::evaluate_constant_of_shape, 1, 1},
    {OpKind::Constant, "Constant", ops::infer_constant, ops::evaluate_constant, 0, 0},
    {OpKind::Range, "Range", ops::infer_range, ops::evaluate_range, 3, 3},
    {OpKind::ReduceSum, "ReduceSum", ops::infer_reduce_sum, ops::evaluate_reduce_sum, 1, 2},
    {OpKind::ReduceMean, "ReduceMean", ops::infer_reduce_mean, ops::evaluate_reduce_mean, 1, 2},
    {OpKind::ReduceMax, "ReduceMax", ops::infer_reduce_max, ops::evaluate_reduce_max, 1, 2},
    {OpKind::ReduceMin, "ReduceMin", ops::infer_reduce_min, ops::evaluate_reduce_min, 1, 2},
    {OpKind::ReduceProd, "ReduceProd", ops::infer_reduce_prod, ops::evaluate_reduce_prod, 1, 2},
    {OpKind::Softmax, "Softmax", ops::infer_softmax, ops::evaluate_softmax, 1, 1},
    {OpKind::LogSoftmax, "LogSoftmax", ops::infer_log_softmax, ops::evaluate_log_softmax, 1, 1},
    {OpKind::LayerNormalization, "LayerNormalization", ops::infer_layer_normalization, ops::evaluate_layer_normalization, 2, 3},
    {OpKind::CumSum, "CumSum", ops::infer_cumsum, ops::evaluate_cumsum, 2, 2},
    {OpKind::FusedMatMul, "FusedMatMul", ops::infer_fused_matmul, ops::evaluate_fused_matmul, 2, 4},
    {OpKind::FusedAttention, "FusedAttention", ops::infer_fused_attention, ops::evaluate_fused_attention, 3, 5},
};
static_assert(sizeof(kOpTable) / sizeof(kOpTable[0]) == size_t(OpKind::Count), "one table row per OpKind");

const OpInfo& op_info(OpKind k) { return kOpTable[size_t(k)]; }

std::string_view op_name(OpKind k) { return kOpTable[size_t(k)].name; }

std::optional<OpKind> op_from_name(std::string_view name) {
    for (const OpInfo& info : kOpTable)
        if (name == info.name) return info.kind;
    return std::nullopt;
}

static void check_arity(const Node& node, size_t given) {
    const OpInfo& info = op_info(node.op);
    if (int(given) < info.min_inputs || (info.max_inputs >= 0 && int(given) > info.max_inputs))
        fail(node.context() + ": takes " + std::to_string(info.min_inputs) +
             (info.max_inputs < 0 ? " or more" : " to " + std::to_string(info.max_inputs)) + " inputs, got " +
             std::to_string(given));
}

// Runs an op's function and puts the node's name and op in front of any error it throws (an
// UnsupportedError stays one, so that callers can still tell "not implemented" from "wrong").
template <class Fn>
static void with_node_context(const Node& node, size_t given_inputs, Fn&& fn) {
    check_arity(node, given_inputs);
    try {
        fn();
    } catch (const UnsupportedError& e) {
        throw UnsupportedError(node.context() + ": " + e.what(), e.feature);
    } catch (const std::exception& e) {
        throw Error(node.context() + ": " + e.what());
    }
}

void infer_node(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    with_node_context(node, inputs.size(), [&] { op_info(node.op).infer(node, inputs, outputs); });
}

void evaluate_node(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    with_node_context(node, inputs.size(), [&] { op_info(node.op).evaluate(node, inputs, outputs); });
}

void infer_graph(Graph& g) {
    for (Node& node : g.nodes) {
        if (node.dead) continue;
        std::vector<ValueType> in(node.inputs.size());
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            if (node.inputs[i] == kNoId) {
                in[i].present = false;
                continue;
            }
            const Value& v = g.values[size_t(node.inputs[i])];
            in[i].dtype = v.dtype;
            in[i].shape = v.shape;
            in[i].constant = v.constant ? &*v.constant : nullptr;
        }
        std::vector<ValueType> out(node.outputs.size());
        infer_node(node, in, out);
        for (size_t i = 0; i < node.outputs.size(); ++i) {
            if (node.outputs[i] == kNoId) continue;
            Value& v = g.values[size_t(node.outputs[i])];
            v.dtype = out[i].dtype;
            // Keep symbolic dim names the reader attached when inference agrees on the rank.
            std::vector<std::string> names = std::move(v.shape.dim_names);
            v.shape = out[i].shape;
            if (names.size() == v.shape.rank()) v.shape.dim_names = std::move(names);
        }
    }
}

}  // namespace frugal
