// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd. The axes are an attribute before
// opset 13 (ReduceSum) or 18 (the others) and an optional input from then on. Without axes every
// axis is reduced, unless noop_with_empty_axes is set, in which case the op is the identity.
// Reducing an empty set gives the op's identity: 0, 1, -inf (lowest) for Max, +inf (highest) for
// Min, and NaN for the Mean of floats.
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

enum class ReduceKind { sum, mean, max, min, prod };

int64_t axes_input_opset(ReduceKind kind) { return kind == ReduceKind::sum ? 13 : 18; }

const char* reduce_name(ReduceKind kind) {
    switch (kind) {
        case ReduceKind::sum: return "ReduceSum";
        case ReduceKind::mean: return "ReduceMean";
        case ReduceKind::max: return "ReduceMax";
        case ReduceKind::min: return "ReduceMin";
        case ReduceKind::prod: return "ReduceProd";
    }
    return "Reduce";
}

void check_reduce_dtype(ReduceKind kind, DType t) {
    if (t == DType::undefined) return;
    bool ok = t != DType::boolean || kind == ReduceKind::max || kind == ReduceKind::min;
    if (!ok) fail(std::string(reduce_name(kind)) + " does not take " + dtype_name(t));
}

// The axes as written (not normalized); nullopt when they come from an input whose value is not
// known (inference only).
std::optional<std::vector<int64_t>> written_axes(const Node& node, ReduceKind kind, bool input_given,
                                                 const Tensor* input) {
    if (input_given && node.attrs.has("axes"))
        fail("axes are given both as an attribute and as an input");
    if (input_given) {
        if (node.opset != 0 && node.opset < axes_input_opset(kind))
            fail(std::string("axes are an attribute before opset ") + std::to_string(axes_input_opset(kind)) +
                 ", but this node (opset " + std::to_string(node.opset) + ") has an axes input");
        if (!input) return std::nullopt;
        if (!dtype_is_integer(input->dtype) || input->rank() > 1)
            fail("axes must be a 1-D integer tensor, got " + std::string(dtype_name(input->dtype)) +
                 shape_to_string(input->shape));
        return input->to_int_vector();
    }
    return node.attrs.get_ints("axes", {});
}

// Which dims are reduced, from written axes (empty: all).
std::vector<bool> reduced_dims(const std::vector<int64_t>& axes, size_t rank) {
    std::vector<bool> reduced(rank, axes.empty());
    for (int64_t a : axes) {
        int64_t n = normalize_axis(a, int64_t(rank), "axis");
        if (reduced[size_t(n)]) fail("axis " + std::to_string(a) + " is given twice");
        reduced[size_t(n)] = true;
    }
    return reduced;
}

template <class T>
using ReduceAcc = std::conditional_t<!std::is_integral_v<T>, double,
                                     std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <class T>
ReduceAcc<T> reduce_init(ReduceKind kind) {
    using A = ReduceAcc<T>;
    switch (kind) {
        case ReduceKind::sum: case ReduceKind::mean: return A(0);
        case ReduceKind::prod: return A(1);
        case ReduceKind::max:
            if constexpr (std::is_integral_v<T>) return A(std::numeric_limits<T>::lowest());
            else return -INFINITY;
        case ReduceKind::min:
            if constexpr (std::is_integral_v<T>) return A(std::numeric_limits<T>::max());
            else return INFINITY;
    }
    return A(0);
}

// Integer sums and products wrap like the element type would (through unsigned arithmetic, which
// is defined), instead of overflowing int64 undefinedly.
template <class A>
A add_acc(A x, A y) {
    if constexpr (std::is_integral_v<A>) return A(uint64_t(x) + uint64_t(y));
    else return x + y;
}
template <class A>
A mul_acc(A x, A y) {
    if constexpr (std::is_integral_v<A>) return A(uint64_t(x) * uint64_t(y));
    else return x * y;
}

template <class T>
void reduce_typed(ReduceKind kind, const Tensor& x, const std::vector<bool>& reduced, const Shape& kept, Tensor& y) {
    using A = ReduceAcc<T>;
    int64_t out_n = shape_numel(kept);
    std::vector<A> acc(size_t(out_n), reduce_init<T>(kind));
    // Walk the input in order; the output index advances by out_strides (0 on reduced dims).
    size_t rank = x.rank();
    std::vector<int64_t> out_strides = shape_strides(kept);
    for (size_t d = 0; d < rank; ++d)
        if (reduced[d]) out_strides[d] = 0;
    std::vector<int64_t> idx(rank, 0);
    const T* px = x.data<T>();
    int64_t n = x.numel(), o = 0;
    for (int64_t i = 0; i < n; ++i) {
        A v;
        if constexpr (std::is_integral_v<T>) v = A(px[i]);
        else v = to_double(px[i]);
        A& a = acc[size_t(o)];
        switch (kind) {
            case ReduceKind::sum: case ReduceKind::mean: a = add_acc(a, v); break;
            case ReduceKind::prod: a = mul_acc(a, v); break;
            case ReduceKind::max:
                if constexpr (std::is_integral_v<T>) a = v > a ? v : a;
                else a = (v > a || std::isnan(v)) && !std::isnan(a) ? v : a;
                break;
            case ReduceKind::min:
                if constexpr (std::is_integral_v<T>) a = v < a ? v : a;
                else a = (v < a || std::isnan(v)) && !std::isnan(a) ? v : a;
                break;
        }
        for (size_t d = rank; d-- > 0;) {
            o += out_strides[d];
            if (++idx[d] < x.shape[d]) break;
            o -= out_strides[d] * idx[d];
            idx[d] = 0;
        }
    }
    int64_t count = out_n ? n / out_n : 0;
    T* py = y.mutable_data<T>();
    for (int64_t i = 0; i < out_n; ++i) {
        A a = acc[size_t(i)];
        if constexpr (std::is_integral_v<T>) {
            if (kind == ReduceKind::mean) a = count ? A(double(a) / double(count)) : A(0);
            py[i] = static_cast<T>(a);
        } else {
            if (kind == ReduceKind::mean) a = a / double(count);  // NaN for an empty set, like numpy
            py[i] = from_double<T>(a);
        }
    }
}

void infer_reduce(ReduceKind kind, const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    check_reduce_dtype(kind, x.dtype);
    bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
    bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
    bool input_given = inputs.size() > 1 && inputs[1].present;
    outputs[0].dtype = x.dtype;
    std::optional<std::vector<int64_t>> axes = written_axes(node, kind, input_given, input_given ? inputs[1].constant : nullptr);
    if (!axes) {
        // Axes known only at run time: the rank is known when dims are kept or when the axes'
        // count is (the axes must be distinct).
        const PartialShape& as = inputs[1].shape;
        if (!x.shape.rank_known) outputs[0].shape = PartialShape::unknown_rank();
        else if (keepdims) outputs[0].shape = PartialShape::of_rank(x.shape.rank());
        else if (as.is_static() && as.rank() == 1 && as.dims[0] > 0 && size_t(as.dims[0]) <= x.shape.rank())
            outputs[0].shape = PartialShape::of_rank(x.shape.rank() - size_t(as.dims[0]));
        else outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    if (axes->empty() && noop) {
        outputs[0].shape = x.shape;
        return;
    }
    if (!x.shape.rank_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    std::vector<bool> reduced = reduced_dims(*axes, x.shape.rank());
    PartialShape out = PartialShape::of_rank(0);
    for (size_t d = 0; d < reduced.size(); ++d) {
        if (!reduced[d]) out.dims.push_back(x.shape.dims[d]);
        else if (keepdims) out.dims.push_back(1);
    }
    outputs[0].shape = out;
}

void evaluate_reduce(ReduceKind kind, const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& x = require_input(inputs, 0);
    check_reduce_dtype(kind, x.dtype);
    bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
    bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
    bool input_given = inputs.size() > 1 && inputs[1];
    std::vector<int64_t> axes = *written_axes(node, kind, input_given, input_given ? inputs[1] : nullptr);
    if (axes.empty() && noop) {
        outputs[0] = x;  // the identity: share the input's bytes
        return;
    }
    std::vector<bool> reduced = reduced_dims(axes, x.rank());
    Shape kept = x.shape, out;
    for (size_t d = 0; d < reduced.size(); ++d) {
        if (reduced[d]) kept[d] = 1;
        if (!reduced[d] || keepdims) out.push_back(kept[d]);
    }
    Tensor y = Tensor::empty(x.dtype, out);
    visit_dtype(x.dtype, [&]<class T>() { reduce_typed<T>(kind, x, reduced, kept, y); });
    outputs[0] = std::move(y);
}

}  // namespace

void infer_reduce_sum(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_reduce(ReduceKind::sum, n, in, out); }
void evaluate_reduce_sum(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) { evaluate_reduce(ReduceKind::sum, n, in, out); }
void infer_reduce_mean(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_reduce(ReduceKind::mean, n, in, out); }
void evaluate_reduce_mean(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) { evaluate_reduce(ReduceKind::mean, n, in, out); }
void infer_reduce_max(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_reduce(ReduceKind::max, n, in, out); }
void evaluate_reduce_max(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) { evaluate_reduce(ReduceKind::max, n, in, out); }
void infer_reduce_min(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_reduce(ReduceKind::min, n, in, out); }
void evaluate_reduce_min(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) { evaluate_reduce(ReduceKind::min, n, in, out); }
void infer_reduce_prod(const Node& n, std::span<const ValueType> in, std::span<ValueType> out) { infer_reduce(ReduceKind::prod, n, in, out); }
void evaluate_reduce_prod(const Node& n, std::span<const Tensor* const> in, std::span<Tensor> out) { evaluate_reduce(ReduceKind::prod, n, in, out); }

}  // namespace frugal::ops
