// FusedAttention, frugal's own op made by the compiler's fuse_attention pass: scaled dot-product
// attention as one node.
//   inputs: q, k, v (f32, rank 4), mask (optional, input 3), add_mask (optional, input 4)
//   canonical layouts: Q [B, H, Sq, D], K [B, H, Sk, D], V [B, H, Sk, Dv], out [B, H, Sq, Dv]
//   q_perm/k_perm/v_perm: canonical axis i is the operand's physical axis perm[i]
//   out_perm: Transpose semantics on the canonical output (physical axis j = canonical out_perm[j])
//   scale (default 1/sqrt(D)); mask_kind "none" | "bool" | "additive" says what input 3 is;
//   mask_fill: the score a masked (false) position takes with a bool mask.
//   S = scale * Q K^T; bool: S = where(mask, S, mask_fill); additive: S = S + mask;
//   S = S + add_mask (input 4, when present); P = softmax over Sk; out = P V; then out_perm.
// Both masks broadcast (numpy rules) to [B, H, Sq, Sk]. Input 4 lets a Where (causal) followed
// by an Add (padding), as PyTorch exporters write GPT-2, become one node.
// This reference, in plain loops, is the oracle for the kernel in kernels/cpu/attention.cpp.
#include <algorithm>
#include <array>
#include <cmath>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

using Perm = std::array<int64_t, 4>;

Perm read_perm(const Node& node, const char* name) {
    std::vector<int64_t> p = node.attrs.get_ints(name, {0, 1, 2, 3});
    Perm r{};
    std::array<bool, 4> seen{};
    if (p.size() != 4) fail(std::string(name) + " must have 4 entries, got " + std::to_string(p.size()));
    for (size_t i = 0; i < 4; ++i) {
        if (p[i] < 0 || p[i] > 3 || seen[size_t(p[i])]) fail(std::string(name) + " is not a permutation of 0..3");
        seen[size_t(p[i])] = true;
        r[i] = p[i];
    }
    return r;
}

std::string mask_kind(const Node& node) {
    std::string kind = node.attrs.get_string("mask_kind", "none");
    if (kind != "none" && kind != "bool" && kind != "additive") fail("unknown mask_kind '" + kind + "'");
    return kind;
}

// The canonical dims of an operand: dims[i] = physical[perm[i]].
template <class Dims>
Dims canonical(const Dims& physical, const Perm& perm) {
    Dims c = physical;
    for (size_t i = 0; i < 4; ++i) c[i] = physical[size_t(perm[i])];
    return c;
}

// Strides (in elements) of a mask of shape m broadcast to the 4-D `target`: 0 on broadcast axes.
std::array<int64_t, 4> mask_strides(const Shape& m, const std::array<int64_t, 4>& target, const char* what) {
    if (m.size() > 4) fail(std::string(what) + " has rank " + std::to_string(m.size()) + ", more than 4");
    std::array<int64_t, 4> st{};
    std::vector<int64_t> dense = shape_strides(m);
    size_t off = 4 - m.size();
    for (size_t i = 0; i < m.size(); ++i) {
        int64_t t = target[off + i];
        if (m[i] != t && m[i] != 1)
            fail(std::string(what) + " " + shape_to_string(m) + " does not broadcast to the scores [" + std::to_string(target[0]) + ", " +
                 std::to_string(target[1]) + ", " + std::to_string(target[2]) + ", " + std::to_string(target[3]) + "]");
        st[off + i] = m[i] == 1 ? 0 : dense[i];
    }
    return st;
}

}  // namespace

void infer_fused_attention(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& q = require_input(inputs, 0);
    const ValueType& k = require_input(inputs, 1);
    const ValueType& v = require_input(inputs, 2);
    if (q.dtype != DType::f32 || k.dtype != DType::f32 || v.dtype != DType::f32) fail("FusedAttention is float32 only");
    std::string kind = mask_kind(node);
    bool has_mask = inputs.size() > 3 && inputs[3].present;
    if (has_mask != (kind != "none")) fail("mask_kind '" + kind + "' but the mask input is " + (has_mask ? "present" : "absent"));
    if (has_mask && inputs[3].dtype != (kind == "bool" ? DType::boolean : DType::f32))
        fail("a " + kind + " mask must be " + (kind == "bool" ? "bool" : "float32"));
    if (inputs.size() > 4 && inputs[4].present && inputs[4].dtype != DType::f32) fail("add_mask must be float32");
    Perm qp = read_perm(node, "q_perm"), vp = read_perm(node, "v_perm"), op = read_perm(node, "out_perm");
    read_perm(node, "k_perm");
    outputs[0].dtype = DType::f32;
    std::vector<int64_t> canon(4, kDynamic);
    for (const ValueType* t : {&q, &k, &v})
        if (t->shape.rank_known && t->shape.rank() != 4) fail("q, k and v must be rank 4, got " + t->shape.to_string());
    if (q.shape.rank_known)
        for (size_t i = 0; i < 3; ++i) canon[i] = q.shape.dims[size_t(qp[i])];
    if (v.shape.rank_known) canon[3] = v.shape.dims[size_t(vp[3])];
    std::vector<int64_t> out(4);
    for (size_t j = 0; j < 4; ++j) out[j] = canon[size_t(op[j])];
    outputs[0].shape = PartialShape(out);
}

void evaluate_fused_attention(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& q = require_input(inputs, 0);
    const Tensor& k = require_input(inputs, 1);
    const Tensor& v = require_input(inputs, 2);
    const Tensor* mask = inputs.size() > 3 ? inputs[3] : nullptr;
    const Tensor* add_mask = inputs.size() > 4 ? inputs[4] : nullptr;
    for (const Tensor* t : {&q, &k, &v})
        if (t->rank() != 4 || t->dtype != DType::f32) fail("q, k and v must be float32 of rank 4, got " + shape_to_string(t->shape));
    std::string kind = mask_kind(node);
    if ((mask != nullptr) != (kind != "none")) fail("mask_kind '" + kind + "' does not match the mask input");
    if (mask && mask->dtype != (kind == "bool" ? DType::boolean : DType::f32)) fail("the mask's type does not match mask_kind");
    if (add_mask && add_mask->dtype != DType::f32) fail("add_mask must be float32");
    Perm qp = read_perm(node, "q_perm"), kp = read_perm(node, "k_perm"), vp = read_perm(node, "v_perm"), op = read_perm(node, "out_perm");

    auto dims = [](const Tensor& t) { return std::array<int64_t, 4>{t.shape[0], t.shape[1], t.shape[2], t.shape[3]}; };
    auto strides = [](const Tensor& t) {
        std::vector<int64_t> s = shape_strides(t.shape);
        return std::array<int64_t, 4>{s[0], s[1], s[2], s[3]};
    };
    auto qd = canonical(dims(q), qp), kd = canonical(dims(k), kp), vd = canonical(dims(v), vp);
    auto qs = canonical(strides(q), qp), ks = canonical(strides(k), kp), vs = canonical(strides(v), vp);
    const int64_t B = qd[0], H = qd[1], Sq = qd[2], D = qd[3], Sk = kd[2], Dv = vd[3];
    if (kd[0] != B || kd[1] != H || kd[3] != D || vd[0] != B || vd[1] != H || vd[2] != Sk)
        fail("canonical q, k, v shapes do not fit: q [" + std::to_string(B) + ", " + std::to_string(H) + ", " + std::to_string(Sq) + ", " +
             std::to_string(D) + "], k [" + std::to_string(kd[0]) + ", " + std::to_string(kd[1]) + ", " + std::to_string(kd[2]) + ", " +
             std::to_string(kd[3]) + "], v [" + std::to_string(vd[0]) + ", " + std::to_string(vd[1]) + ", " + std::to_string(vd[2]) +
             ", " + std::to_string(vd[3]) + "]");
    const std::array<int64_t, 4> scores{B, H, Sq, Sk};
    std::array<int64_t, 4> ms{}, as{};
    if (mask) ms = mask_strides(mask->shape, scores, "mask");
    if (add_mask) as = mask_strides(add_mask->shape, scores, "add_mask");
    const float scale = node.attrs.get_float("scale", 1.0f / std::sqrt(float(D)));
    const float fill = node.attrs.get_float("mask_fill", -INFINITY);

    const std::array<int64_t, 4> canon_out{B, H, Sq, Dv};
    Shape out_shape(4);
    for (size_t j = 0; j < 4; ++j) out_shape[j] = canon_out[size_t(op[j])];
    Tensor y = Tensor::empty(DType::f32, out_shape);
    std::vector<int64_t> ys_phys = shape_strides(out_shape);
    std::array<int64_t, 4> ys{};
    for (size_t j = 0; j < 4; ++j) ys[size_t(op[j])] = ys_phys[j];

    const float *qp_ = q.data<float>(), *kp_ = k.data<float>(), *vp_ = v.data<float>();
    float* yp = y.mutable_data<float>();
    std::vector<float> s(static_cast<size_t>(Sk));
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t i = 0; i < Sq; ++i) {
                const float* qrow = qp_ + b * qs[0] + h * qs[1] + i * qs[2];
                float mx = -INFINITY;
                for (int64_t j = 0; j < Sk; ++j) {
                    const float* krow = kp_ + b * ks[0] + h * ks[1] + j * ks[2];
                    float dot = 0;
                    for (int64_t d = 0; d < D; ++d) dot += qrow[d * qs[3]] * krow[d * ks[3]];
                    float x = scale * dot;
                    int64_t mi = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
                    if (kind == "bool" && !mask->data<bool>()[mi]) x = fill;
                    if (kind == "additive") x += mask->data<float>()[mi];
                    if (add_mask) x += add_mask->data<float>()[b * as[0] + h * as[1] + i * as[2] + j * as[3]];
                    s[size_t(j)] = x;
                    mx = std::max(mx, x);
                }
                float sum = 0;
                for (int64_t j = 0; j < Sk; ++j) {
                    s[size_t(j)] = std::exp(s[size_t(j)] - mx);
                    sum += s[size_t(j)];
                }
                for (int64_t e = 0; e < Dv; ++e) {
                    float acc = 0;
                    for (int64_t j = 0; j < Sk; ++j) acc += s[size_t(j)] * vp_[b * vs[0] + h * vs[1] + j * vs[2] + e * vs[3]];
                    yp[b * ys[0] + h * ys[1] + i * ys[2] + e * ys[3]] = acc / sum;
                }
            }
    outputs[0] = std::move(y);
}

}  // namespace frugal::ops
