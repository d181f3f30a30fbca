// Gemm: Y = alpha * A' * B' + beta * C, where A' and B' are A and B optionally transposed and C
// (optional since opset 11) broadcasts one way to [M,N].
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

bool gemm_dtype_ok(DType t) { return t != DType::boolean && t != DType::undefined; }

// As in MatMul: float sums for f32/f16/bf16, double for f64, wrapping 64-bit for integers.
template <class T>
using GemmAcc = std::conditional_t<std::is_same_v<T, double>, double,
                                   std::conditional_t<std::is_integral_v<T>, uint64_t, float>>;

template <class T>
GemmAcc<T> load(T v) {
    if constexpr (std::is_integral_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(v));
    else return static_cast<GemmAcc<T>>(to_double(v));
}

// C must broadcast to [M,N] without growing: rank at most 2, each dim 1 or equal.
void check_bias_shape(const PartialShape& c, int64_t m, int64_t n) {
    if (!c.rank_known) return;
    if (c.rank() > 2) fail("C must have rank 0, 1 or 2, got " + c.to_string());
    int64_t want[2] = {m, n};
    for (size_t i = 0; i < c.rank(); ++i) {
        int64_t d = c.dims[i];
        int64_t w = want[2 - c.rank() + i];
        if (d != kDynamic && w != kDynamic && d != 1 && d != w)
            fail("C of shape " + c.to_string() + " does not broadcast to [" + std::to_string(m) + "," +
                 std::to_string(n) + "]");
    }
}

template <class T>
void gemm_typed(const Tensor& a, const Tensor& b, const Tensor* c, Tensor& y, bool ta, bool tb, float alpha,
                float beta, int64_t m, int64_t k, int64_t n) {
    using Acc = GemmAcc<T>;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.mutable_data<T>();
    const T* pc = c ? c->data<T>() : nullptr;
    BroadcastIndexer ic({m, n}, c ? c->shape : Shape{});
    std::vector<Acc> row(static_cast<size_t>(n));
    for (int64_t i = 0; i < m; ++i) {
        std::fill(row.begin(), row.end(), Acc(0));
        for (int64_t p = 0; p < k; ++p) {
            Acc av = load(ta ? pa[p * m + i] : pa[i * k + p]);
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * load(tb ? pb[j * k + p] : pb[p * n + j]);
        }
        for (int64_t j = 0; j < n; ++j) {
            int64_t o = i * n + j;
            if constexpr (std::is_integral_v<T>) {
                // Integers stay exact when alpha and beta are 1 (the usual case); otherwise the
                // scaling goes through double, as the float attributes imply.
                uint64_t cv = pc ? load(pc[ic.at(o)]) : 0;
                if (alpha == 1.0f && beta == 1.0f) py[o] = static_cast<T>(row[size_t(j)] + cv);
                else
                    py[o] = static_cast<T>(double(alpha) * double(static_cast<int64_t>(row[size_t(j)])) +
                                           (pc ? double(beta) * double(static_cast<int64_t>(cv)) : 0.0));
            } else {
                Acc v = Acc(alpha) * row[size_t(j)];
                if (pc) v += Acc(beta) * load(pc[ic.at(o)]);
                py[o] = from_double<T>(v);
            }
        }
    }
}

}  // namespace

void infer_gemm(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    if (a.dtype != DType::undefined && b.dtype != DType::undefined && a.dtype != b.dtype)
        fail(std::string("A and B have different types: ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
    if (a.dtype != DType::undefined && !gemm_dtype_ok(a.dtype)) fail(std::string("Gemm does not take ") + dtype_name(a.dtype));
    bool ta = node.attrs.get_int("transA", 0) != 0;
    bool tb = node.attrs.get_int("transB", 0) != 0;
    outputs[0].dtype = a.dtype;
    int64_t m = kDynamic, n = kDynamic, ka = kDynamic, kb = kDynamic;
    if (a.shape.rank_known) {
        if (a.shape.rank() != 2) fail("A must be 2-D, got " + a.shape.to_string());
        m = a.shape.dims[ta ? 1 : 0];
        ka = a.shape.dims[ta ? 0 : 1];
    }
    if (b.shape.rank_known) {
        if (b.shape.rank() != 2) fail("B must be 2-D, got " + b.shape.to_string());
        kb = b.shape.dims[tb ? 1 : 0];
        n = b.shape.dims[tb ? 0 : 1];
    }
    if (ka != kDynamic && kb != kDynamic && ka != kb)
        fail("inner dimensions do not match: A' has " + std::to_string(ka) + " columns, B' has " + std::to_string(kb) +
             " rows");
    if (inputs.size() > 2 && inputs[2].present) {
        if (a.dtype != DType::undefined && inputs[2].dtype != DType::undefined && inputs[2].dtype != a.dtype)
            fail(std::string("C has type ") + dtype_name(inputs[2].dtype) + ", expected " + dtype_name(a.dtype));
        check_bias_shape(inputs[2].shape, m, n);
    }
    outputs[0].shape = PartialShape(Shape{m, n});
}

void evaluate_gemm(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    const Tensor* c = inputs.size() > 2 ? inputs[2] : nullptr;
    if (a.dtype != b.dtype || (c && c->dtype != a.dtype))
        fail(std::string("inputs have different types: A ") + dtype_name(a.dtype) + ", B " + dtype_name(b.dtype) +
             (c ? std::string(", C ") + dtype_name(c->dtype) : std::string()));
    if (!gemm_dtype_ok(a.dtype)) fail(std::string("Gemm does not take ") + dtype_name(a.dtype));
    if (a.rank() != 2 || b.rank() != 2)
        fail("A and B must be 2-D, got " + shape_to_string(a.shape) + " and " + shape_to_string(b.shape));
    bool ta = node.attrs.get_int("transA", 0) != 0;
    bool tb = node.attrs.get_int("transB", 0) != 0;
    float alpha = node.attrs.get_float("alpha", 1.0f);
    float beta = node.attrs.get_float("beta", 1.0f);
    int64_t m = a.shape[ta ? 1 : 0], k = a.shape[ta ? 0 : 1];
    int64_t kb = b.shape[tb ? 1 : 0], n = b.shape[tb ? 0 : 1];
    if (k != kb)
        fail("inner dimensions do not match: A' is [" + std::to_string(m) + "," + std::to_string(k) + "], B' is [" +
             std::to_string(kb) + "," + std::to_string(n) + "]");
    if (c) check_bias_shape(PartialShape(c->shape), m, n);
    Tensor y = Tensor::empty(a.dtype, {m, n});
    visit_dtype(a.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) gemm_typed<T>(a, b, c, y, ta, tb, alpha, beta, m, k, n);
    });
    outputs[0] = std::move(y);
}

}  // namespace frugal::ops
