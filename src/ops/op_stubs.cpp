// TEMPORARY: weak fallbacks so the build links while op files are being written.
// Each op file defines the strong symbols; this file is deleted once all ops exist.
#include "ir/error.h"
#include "ops/op_functions.h"

namespace frugal::ops {

[[gnu::weak]] void infer_add(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Add: not implemented"); }
[[gnu::weak]] void evaluate_add(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Add: not implemented"); }
[[gnu::weak]] void infer_sub(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Sub: not implemented"); }
[[gnu::weak]] void evaluate_sub(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Sub: not implemented"); }
[[gnu::weak]] void infer_mul(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Mul: not implemented"); }
[[gnu::weak]] void evaluate_mul(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Mul: not implemented"); }
[[gnu::weak]] void infer_div(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Div: not implemented"); }
[[gnu::weak]] void evaluate_div(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Div: not implemented"); }
[[gnu::weak]] void infer_pow(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Pow: not implemented"); }
[[gnu::weak]] void evaluate_pow(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Pow: not implemented"); }
[[gnu::weak]] void infer_max(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Max: not implemented"); }
[[gnu::weak]] void evaluate_max(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Max: not implemented"); }
[[gnu::weak]] void infer_min(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Min: not implemented"); }
[[gnu::weak]] void evaluate_min(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Min: not implemented"); }
[[gnu::weak]] void infer_mod(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Mod: not implemented"); }
[[gnu::weak]] void evaluate_mod(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Mod: not implemented"); }
[[gnu::weak]] void infer_sqrt(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Sqrt: not implemented"); }
[[gnu::weak]] void evaluate_sqrt(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Sqrt: not implemented"); }
[[gnu::weak]] void infer_reciprocal(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Reciprocal: not implemented"); }
[[gnu::weak]] void evaluate_reciprocal(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Reciprocal: not implemented"); }
[[gnu::weak]] void infer_neg(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Neg: not implemented"); }
[[gnu::weak]] void evaluate_neg(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Neg: not implemented"); }
[[gnu::weak]] void infer_abs(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Abs: not implemented"); }
[[gnu::weak]] void evaluate_abs(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Abs: not implemented"); }
[[gnu::weak]] void infer_exp(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Exp: not implemented"); }
[[gnu::weak]] void evaluate_exp(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Exp: not implemented"); }
[[gnu::weak]] void infer_log(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Log: not implemented"); }
[[gnu::weak]] void evaluate_log(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Log: not implemented"); }
[[gnu::weak]] void infer_tanh(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Tanh: not implemented"); }
[[gnu::weak]] void evaluate_tanh(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Tanh: not implemented"); }
[[gnu::weak]] void infer_erf(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Erf: not implemented"); }
[[gnu::weak]] void evaluate_erf(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Erf: not implemented"); }
[[gnu::weak]] void infer_sigmoid(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Sigmoid: not implemented"); }
[[gnu::weak]] void evaluate_sigmoid(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Sigmoid: not implemented"); }
[[gnu::weak]] void infer_relu(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Relu: not implemented"); }
[[gnu::weak]] void evaluate_relu(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Relu: not implemented"); }
[[gnu::weak]] void infer_floor(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Floor: not implemented"); }
[[gnu::weak]] void evaluate_floor(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Floor: not implemented"); }
[[gnu::weak]] void infer_ceil(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Ceil: not implemented"); }
[[gnu::weak]] void evaluate_ceil(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Ceil: not implemented"); }
[[gnu::weak]] void infer_sin(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Sin: not implemented"); }
[[gnu::weak]] void evaluate_sin(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Sin: not implemented"); }
[[gnu::weak]] void infer_cos(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Cos: not implemented"); }
[[gnu::weak]] void evaluate_cos(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Cos: not implemented"); }
[[gnu::weak]] void infer_sign(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Sign: not implemented"); }
[[gnu::weak]] void evaluate_sign(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Sign: not implemented"); }
[[gnu::weak]] void infer_gelu(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Gelu: not implemented"); }
[[gnu::weak]] void evaluate_gelu(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Gelu: not implemented"); }
[[gnu::weak]] void infer_equal(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Equal: not implemented"); }
[[gnu::weak]] void evaluate_equal(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Equal: not implemented"); }
[[gnu::weak]] void infer_less(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Less: not implemented"); }
[[gnu::weak]] void evaluate_less(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Less: not implemented"); }
[[gnu::weak]] void infer_greater(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Greater: not implemented"); }
[[gnu::weak]] void evaluate_greater(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Greater: not implemented"); }
[[gnu::weak]] void infer_less_or_equal(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("LessOrEqual: not implemented"); }
[[gnu::weak]] void evaluate_less_or_equal(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("LessOrEqual: not implemented"); }
[[gnu::weak]] void infer_greater_or_equal(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("GreaterOrEqual: not implemented"); }
[[gnu::weak]] void evaluate_greater_or_equal(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("GreaterOrEqual: not implemented"); }
[[gnu::weak]] void infer_not(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Not: not implemented"); }
[[gnu::weak]] void evaluate_not(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Not: not implemented"); }
[[gnu::weak]] void infer_and(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("And: not implemented"); }
[[gnu::weak]] void evaluate_and(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("And: not implemented"); }
[[gnu::weak]] void infer_or(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Or: not implemented"); }
[[gnu::weak]] void evaluate_or(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Or: not implemented"); }
[[gnu::weak]] void infer_xor(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Xor: not implemented"); }
[[gnu::weak]] void evaluate_xor(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Xor: not implemented"); }
[[gnu::weak]] void infer_where(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Where: not implemented"); }
[[gnu::weak]] void evaluate_where(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Where: not implemented"); }
[[gnu::weak]] void infer_cast(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Cast: not implemented"); }
[[gnu::weak]] void evaluate_cast(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Cast: not implemented"); }
[[gnu::weak]] void infer_cast_like(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("CastLike: not implemented"); }
[[gnu::weak]] void evaluate_cast_like(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("CastLike: not implemented"); }
[[gnu::weak]] void infer_matmul(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("MatMul: not implemented"); }
[[gnu::weak]] void evaluate_matmul(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("MatMul: not implemented"); }
[[gnu::weak]] void infer_gemm(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Gemm: not implemented"); }
[[gnu::weak]] void evaluate_gemm(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Gemm: not implemented"); }
[[gnu::weak]] void infer_einsum(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Einsum: not implemented"); }
[[gnu::weak]] void evaluate_einsum(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Einsum: not implemented"); }
[[gnu::weak]] void infer_transpose(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Transpose: not implemented"); }
[[gnu::weak]] void evaluate_transpose(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Transpose: not implemented"); }
[[gnu::weak]] void infer_reshape(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Reshape: not implemented"); }
[[gnu::weak]] void evaluate_reshape(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Reshape: not implemented"); }
[[gnu::weak]] void infer_flatten(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Flatten: not implemented"); }
[[gnu::weak]] void evaluate_flatten(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Flatten: not implemented"); }
[[gnu::weak]] void infer_squeeze(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Squeeze: not implemented"); }
[[gnu::weak]] void evaluate_squeeze(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Squeeze: not implemented"); }
[[gnu::weak]] void infer_unsqueeze(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Unsqueeze: not implemented"); }
[[gnu::weak]] void evaluate_unsqueeze(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Unsqueeze: not implemented"); }
[[gnu::weak]] void infer_concat(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Concat: not implemented"); }
[[gnu::weak]] void evaluate_concat(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Concat: not implemented"); }
[[gnu::weak]] void infer_split(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Split: not implemented"); }
[[gnu::weak]] void evaluate_split(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Split: not implemented"); }
[[gnu::weak]] void infer_slice(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Slice: not implemented"); }
[[gnu::weak]] void evaluate_slice(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Slice: not implemented"); }
[[gnu::weak]] void infer_gather(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Gather: not implemented"); }
[[gnu::weak]] void evaluate_gather(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Gather: not implemented"); }
[[gnu::weak]] void infer_expand(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Expand: not implemented"); }
[[gnu::weak]] void evaluate_expand(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Expand: not implemented"); }
[[gnu::weak]] void infer_tile(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Tile: not implemented"); }
[[gnu::weak]] void evaluate_tile(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Tile: not implemented"); }
[[gnu::weak]] void infer_trilu(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Trilu: not implemented"); }
[[gnu::weak]] void evaluate_trilu(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Trilu: not implemented"); }
[[gnu::weak]] void infer_identity(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Identity: not implemented"); }
[[gnu::weak]] void evaluate_identity(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Identity: not implemented"); }
[[gnu::weak]] void infer_shape(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Shape: not implemented"); }
[[gnu::weak]] void evaluate_shape(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Shape: not implemented"); }
[[gnu::weak]] void infer_size(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Size: not implemented"); }
[[gnu::weak]] void evaluate_size(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Size: not implemented"); }
[[gnu::weak]] void infer_constant_of_shape(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ConstantOfShape: not implemented"); }
[[gnu::weak]] void evaluate_constant_of_shape(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ConstantOfShape: not implemented"); }
[[gnu::weak]] void infer_constant(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Constant: not implemented"); }
[[gnu::weak]] void evaluate_constant(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Constant: not implemented"); }
[[gnu::weak]] void infer_range(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Range: not implemented"); }
[[gnu::weak]] void evaluate_range(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Range: not implemented"); }
[[gnu::weak]] void infer_reduce_sum(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ReduceSum: not implemented"); }
[[gnu::weak]] void evaluate_reduce_sum(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ReduceSum: not implemented"); }
[[gnu::weak]] void infer_reduce_mean(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ReduceMean: not implemented"); }
[[gnu::weak]] void evaluate_reduce_mean(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ReduceMean: not implemented"); }
[[gnu::weak]] void infer_reduce_max(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ReduceMax: not implemented"); }
[[gnu::weak]] void evaluate_reduce_max(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ReduceMax: not implemented"); }
[[gnu::weak]] void infer_reduce_min(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ReduceMin: not implemented"); }
[[gnu::weak]] void evaluate_reduce_min(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ReduceMin: not implemented"); }
[[gnu::weak]] void infer_reduce_prod(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("ReduceProd: not implemented"); }
[[gnu::weak]] void evaluate_reduce_prod(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("ReduceProd: not implemented"); }
[[gnu::weak]] void infer_softmax(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("Softmax: not implemented"); }
[[gnu::weak]] void evaluate_softmax(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("Softmax: not implemented"); }
[[gnu::weak]] void infer_log_softmax(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("LogSoftmax: not implemented"); }
[[gnu::weak]] void evaluate_log_softmax(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("LogSoftmax: not implemented"); }
[[gnu::weak]] void infer_layer_normalization(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("LayerNormalization: not implemented"); }
[[gnu::weak]] void evaluate_layer_normalization(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("LayerNormalization: not implemented"); }
[[gnu::weak]] void infer_cumsum(const Node&, std::span<const ValueType>, std::span<ValueType>) { fail("CumSum: not implemented"); }
[[gnu::weak]] void evaluate_cumsum(const Node&, std::span<const Tensor* const>, std::span<Tensor>) { fail("CumSum: not implemented"); }

}  // namespace frugal::ops
