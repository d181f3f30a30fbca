// FusedMatMul, frugal's own op made by the compiler's fuse_matmul pass:
//   y = activation(x @ B + bias) + residual
// x [..., K]; W is B itself [K, N], or [N, K] with transpose_b=1 (the tied token embedding used
// for the logits, so that it is never copied into a transposed buffer); bias [N] and residual
// [..., N] are optional; activation is "none", "gelu_tanh" or "gelu_erf".
// This reference is the oracle for the packed oneDNN kernel.
#include <cmath>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

struct Dims {
    int64_t M, K, N;
    Shape out;
};

Dims fused_dims(const Node& node, const Shape& x, const Shape& w) {
    if (x.empty() || w.size() != 2) fail("FusedMatMul needs x of rank >= 1 and a 2-D weight, got " + shape_to_string(x) + " and " + shape_to_string(w));
    bool tb = node.attrs.get_int("transpose_b", 0) != 0;
    int64_t K = tb ? w[1] : w[0], N = tb ? w[0] : w[1];
    if (x.back() != K) fail("inner dimensions differ: x " + shape_to_string(x) + ", weight " + shape_to_string(w) + (tb ? " (transposed)" : ""));
    Dims d{1, K, N, x};
    d.out.back() = N;
    for (size_t i = 0; i + 1 < x.size(); ++i) d.M *= x[i];
    return d;
}

float activate(float v, const std::string& act) {
    if (act == "gelu_tanh") return 0.5f * v * (1.0f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    if (act == "gelu_erf") return 0.5f * v * (1.0f + std::erf(v * 0.7071067811865476f));
    return v;
}

}  // namespace

void infer_fused_matmul(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    const ValueType& w = require_input(inputs, 1);
    if (x.dtype != DType::f32 || w.dtype != DType::f32) fail("FusedMatMul is float32 only");
    outputs[0].dtype = DType::f32;
    if (!x.shape.rank_known || !w.shape.is_static()) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    bool tb = node.attrs.get_int("transpose_b", 0) != 0;
    outputs[0].shape = x.shape;
    outputs[0].shape.dims.back() = tb ? w.shape.dims[0] : w.shape.dims[1];
    if (!outputs[0].shape.dim_names.empty()) outputs[0].shape.dim_names.back().clear();
}

void evaluate_fused_matmul(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& x = require_input(inputs, 0);
    const Tensor& w = require_input(inputs, 1);
    const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
    const Tensor* residual = inputs.size() > 3 ? inputs[3] : nullptr;
    Dims d = fused_dims(node, x.shape, w.shape);
    if (bias && bias->numel() != d.N) fail("bias has " + std::to_string(bias->numel()) + " values, expected " + std::to_string(d.N));
    if (residual && residual->shape != d.out) fail("residual " + shape_to_string(residual->shape) + " does not match the output " + shape_to_string(d.out));
    bool tb = node.attrs.get_int("transpose_b", 0) != 0;
    std::string act = node.attrs.get_string("activation", "none");
    if (act != "none" && act != "gelu_tanh" && act != "gelu_erf") fail("unknown activation '" + act + "'");
    Tensor y = Tensor::empty(DType::f32, d.out);
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
    float* yp = y.mutable_data<float>();
    for (int64_t m = 0; m < d.M; ++m) {
        float* row = yp + m * d.N;
        for (int64_t k = 0; k < d.K; ++k) {
            float a = xp[m * d.K + k];
            if (tb)
                for (int64_t n = 0; n < d.N; ++n) row[n] += a * wp[n * d.K + k];
            else
                for (int64_t n = 0; n < d.N; ++n) row[n] += a * wp[k * d.N + n];
        }
        for (int64_t n = 0; n < d.N; ++n) {
            float v = row[n] + (bias ? bias->data<float>()[n] : 0.0f);
            v = activate(v, act);
            row[n] = v + (residual ? residual->data<float>()[m * d.N + n] : 0.0f);
        }
    }
    outputs[0] = std::move(y);
}

}  // namespace frugal::ops
