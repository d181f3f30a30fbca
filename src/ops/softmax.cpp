// Softmax and LogSoftmax. From opset 13 they normalize along one axis (default -1). Before 13 the
// input is coerced to 2-D at `axis` (default 1): rows are the dims before it, and each row is
// normalized over all the dims from `axis` on. Both views are [outer, n, inner] loops; the old
// one has inner = 1. Computed in double, after subtracting the row maximum.
#include <cmath>
#include <type_traits>
#include <vector>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

struct SoftmaxLayout {
    int64_t outer = 1, n = 1, inner = 1;
};

bool legacy_softmax(const Node& node) { return node.opset != 0 && node.opset < 13; }

SoftmaxLayout softmax_layout(const Node& node, const Shape& s) {
    bool legacy = legacy_softmax(node);
    int64_t axis = normalize_axis(node.attrs.get_int("axis", legacy ? 1 : -1), int64_t(s.size()), "axis");
    SoftmaxLayout l;
    for (size_t d = 0; d < s.size(); ++d) {
        if (int64_t(d) < axis) l.outer *= s[d];
        else if (int64_t(d) == axis || legacy) l.n *= s[d];
        else l.inner *= s[d];
    }
    return l;
}

void check_softmax_dtype(DType t) {
    if (t != DType::undefined && !dtype_is_float(t))
        fail(std::string("expected a floating-point input, got ") + dtype_name(t));
}

void infer_softmax_like(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    check_softmax_dtype(x.dtype);
    if (x.shape.rank_known)
        normalize_axis(node.attrs.get_int("axis", legacy_softmax(node) ? 1 : -1), int64_t(x.shape.rank()), "axis");
    outputs[0].dtype = x.dtype;
    outputs[0].shape = x.shape;
}

template <class T>
void softmax_typed(const Tensor& x, Tensor& y, SoftmaxLayout l, bool log) {
    const T* px = x.data<T>();
    T* py = y.mutable_data<T>();
    std::vector<double> e(size_t(l.n));
    for (int64_t o = 0; o < l.outer; ++o) {
        for (int64_t in = 0; in < l.inner; ++in) {
            int64_t base = o * l.n * l.inner + in;
            double mx = -INFINITY;
            for (int64_t i = 0; i < l.n; ++i) mx = std::fmax(mx, to_double(px[base + i * l.inner]));
            // All -inf (or empty): keep mx finite so that x - mx is -inf, not NaN.
            if (std::isinf(mx) && mx < 0) mx = 0;
            double sum = 0;
            for (int64_t i = 0; i < l.n; ++i) {
                e[size_t(i)] = to_double(px[base + i * l.inner]) - mx;
                sum += std::exp(e[size_t(i)]);
            }
            double log_sum = std::log(sum);
            for (int64_t i = 0; i < l.n; ++i) {
                double v = log ? e[size_t(i)] - log_sum : std::exp(e[size_t(i)]) / sum;
                py[base + i * l.inner] = from_double<T>(v);
            }
        }
    }
}

void evaluate_softmax_like(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs,
                           bool log) {
    const Tensor& x = require_input(inputs, 0);
    check_softmax_dtype(x.dtype);
    SoftmaxLayout l = softmax_layout(node, x.shape);
    Tensor y = Tensor::empty(x.dtype, x.shape);
    visit_dtype(x.dtype, [&]<class T>() {
        if constexpr (!std::is_integral_v<T>) softmax_typed<T>(x, y, l, log);
    });
    outputs[0] = std::move(y);
}

}  // namespace

void infer_softmax(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_softmax_like(n, in, out); }
void evaluate_softmax(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) {
    evaluate_softmax_like(n, in, out, false);
}
void infer_log_softmax(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_softmax_like(n, in, out); }
void evaluate_log_softmax(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) {
    evaluate_softmax_like(n, in, out, true);
}

}  // namespace frugal::ops
