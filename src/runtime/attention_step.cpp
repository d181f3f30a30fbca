#include "runtime/attention_step.h"

#include <cmath>

#include "ir/error.h"

namespace frugal {

namespace {

using kernels::Strides4;

std::array<int64_t, 4> perm_attr(const Node& n, const char* name) {
    std::vector<int64_t> p = n.attrs.get_ints(name, {0, 1, 2, 3});
    if (p.size() != 4) fail(std::string(name) + " must have 4 entries");
    for (int64_t a : p)
        if (a < 0 || a > 3) fail(std::string(name) + " is not a permutation of 0..3");
    return {p[0], p[1], p[2], p[3]};
}

// Canonical dims and strides of an operand: canonical axis i is physical axis perm[i].
void canonical(const Shape& shape, std::vector<int64_t> strides, const std::array<int64_t, 4>& perm, const char* what,
               std::array<int64_t, 4>& dims, Strides4& st) {
    if (shape.size() != 4) fail(std::string(what) + " must be rank 4, got " + shape_to_string(shape));
    if (strides.empty()) strides = shape_strides(shape);
    for (size_t i = 0; i < 4; ++i) {
        dims[i] = shape[size_t(perm[i])];
        st[i] = strides[size_t(perm[i])];
    }
}

// Strides of a mask broadcast to the scores [B, H, Sq, Sk]: 0 on broadcast axes.
Strides4 mask_strides(const Shape& m, const std::array<int64_t, 4>& scores, const char* what) {
    if (m.size() > 4) fail(std::string(what) + " has rank " + std::to_string(m.size()) + ", more than 4");
    Strides4 st{};
    std::vector<int64_t> dense = shape_strides(m);
    size_t off = 4 - m.size();
    for (size_t i = 0; i < m.size(); ++i) {
        if (m[i] != scores[off + i] && m[i] != 1) fail(std::string(what) + " " + shape_to_string(m) + " does not broadcast to the scores");
        st[off + i] = m[i] == 1 ? 0 : dense[i];
    }
    return st;
}

}  // namespace

bool is_plain_causal_mask(const Tensor& m, int64_t Sq, int64_t Sk) {
    if (m.dtype != DType::boolean || m.rank() < 2 || m.shape[m.rank() - 2] != Sq || m.shape.back() != Sk) return false;
    if (m.numel() != Sq * Sk || Sk < Sq) return false;
    const bool* p = m.data<bool>();
    for (int64_t i = 0; i < Sq; ++i)
        for (int64_t j = 0; j < Sk; ++j)
            if (p[i * Sk + j] != (j <= Sk - Sq + i)) return false;
    return true;
}

kernels::AttentionArgs plan_attention(const Node& n, const AttentionLayout& l) {
    std::array<int64_t, 4> qd, kd, vd;
    kernels::AttentionArgs a;
    canonical(l.q, l.q_strides, perm_attr(n, "q_perm"), "q", qd, a.q_stride);
    canonical(l.k, l.k_strides, perm_attr(n, "k_perm"), "k", kd, a.k_stride);
    canonical(l.v, l.v_strides, perm_attr(n, "v_perm"), "v", vd, a.v_stride);
    a.B = qd[0];
    a.H = qd[1];
    a.Sq = qd[2];
    a.D = qd[3];
    a.Sk = kd[2];
    a.Dv = vd[3];
    if (kd[0] != a.B || kd[1] != a.H || kd[3] != a.D || vd[0] != a.B || vd[1] != a.H || vd[2] != a.Sk)
        fail("q " + shape_to_string(l.q) + ", k " + shape_to_string(l.k) + " and v " + shape_to_string(l.v) + " do not fit");
    // The output is dense in its physical layout: physical axis j is canonical axis out_perm[j].
    std::array<int64_t, 4> op = perm_attr(n, "out_perm");
    std::vector<int64_t> os = shape_strides(l.out);
    const std::array<int64_t, 4> canon_out{a.B, a.H, a.Sq, a.Dv};
    for (size_t j = 0; j < 4; ++j) {
        if (l.out.size() != 4 || l.out[j] != canon_out[size_t(op[j])]) fail("the output " + shape_to_string(l.out) + " does not fit");
        a.out_stride[size_t(op[j])] = os[j];
    }
    a.scale = n.attrs.get_float("scale", 1.f / std::sqrt(float(a.D)));
    const std::array<int64_t, 4> scores{a.B, a.H, a.Sq, a.Sk};
    std::string kind = n.attrs.get_string("mask_kind", "none");
    if (l.causal) {
        a.causal = true;
        a.past = a.Sk - a.Sq;
    } else if (l.has_mask && kind == "bool") {
        a.bool_mask_stride = mask_strides(l.mask, scores, "mask");
        a.mask_fill = n.attrs.get_float("mask_fill", -INFINITY);
    } else if (l.has_mask && kind == "additive") {
        a.add_mask_stride = mask_strides(l.mask, scores, "mask");
    }
    if (l.has_add_mask) {
        if (kind == "additive") fail("two additive masks");
        a.add_mask_stride = mask_strides(l.add_mask, scores, "add_mask");
    }
    return a;
}

void run_attention(kernels::AttentionArgs a, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* mask,
                   const Tensor* add_mask, Tensor& out) {
    a.q = q.data<float>();
    a.k = k.data<float>();
    a.v = v.data<float>();
    a.out = out.mutable_data<float>();
    if (mask && !a.causal) {
        if (mask->dtype == DType::boolean) a.bool_mask = mask->data<bool>();
        else a.add_mask = mask->data<float>();
    }
    // A bool mask made at run time (PyTorch exporters slice it from a [1, 1, max, max] buffer too
    // big to evaluate at plan time) may still be the plain causal mask. Checking reads Sq * Sk
    // bytes, about 1 / (D + Dv) of the work the causal flag saves up to half of.
    if (a.bool_mask && a.mask_fill <= -1e4f && a.bool_mask_stride[0] == 0 && a.bool_mask_stride[1] == 0 &&
        is_plain_causal_mask(*mask, a.Sq, a.Sk)) {
        a.bool_mask = nullptr;
        a.causal = true;
        a.past = a.Sk - a.Sq;
    }
    if (add_mask) a.add_mask = add_mask->data<float>();
    kernels::attention(a);
}

}  // namespace frugal
