#pragma once
// The op list: one enum, one name table (op_table.cpp) with a static_assert on the count, and
// dispatch through one table lookup — no registration by static initializers.
#include <cstdint>
#include <optional>
#include <string_view>

namespace frugal {

enum class OpKind : uint16_t {
    // elementwise arithmetic (binary, numpy broadcasting)
    Add, Sub, Mul, Div, Pow, Max, Min, Mod,
    // elementwise unary math
    Sqrt, Reciprocal, Neg, Abs, Exp, Log, Tanh, Erf, Sigmoid, Relu, Floor, Ceil, Sin, Cos, Sign, Gelu,
    // comparison and logic
    Equal, Less, Greater, LessOrEqual, GreaterOrEqual, Not, And, Or, Xor, Where,
    // types
    Cast, CastLike,
    // linear algebra
    MatMul, Gemm, Einsum,
    // data movement
    Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Split, Slice, Gather, Expand, Tile, Trilu, Identity,
    // shapes and generators
    Shape, Size, ConstantOfShape, Constant, Range,
    // reductions and normalization
    ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, Softmax, LogSoftmax, LayerNormalization, CumSum,
    // frugal's own ops, made by the compiler's fusion passes (never read from a file)
    FusedMatMul, FusedAttention,
    Count
};

std::string_view op_name(OpKind k);
// The ONNX op_type (default domain) for a name, if frugal knows it.
std::optional<OpKind> op_from_name(std::string_view name);

}  // namespace frugal
