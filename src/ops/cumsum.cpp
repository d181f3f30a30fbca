// CumSum: running sums along the axis given by the second input (a scalar or one-element 1-D
// int32/int64 tensor). `exclusive` leaves out the current element (the first sum is 0); `reverse`
// runs from the end of the axis.
#include <type_traits>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

bool cumsum_dtype_ok(DType t) { return t != DType::boolean && t != DType::undefined; }

int64_t read_axis(const Tensor& axis, int64_t rank) {
    if ((axis.dtype != DType::i32 && axis.dtype != DType::i64) || axis.rank() > 1 || axis.numel() != 1)
        fail("axis must be an int32 or int64 scalar, got " + std::string(dtype_name(axis.dtype)) +
             shape_to_string(axis.shape));
    return normalize_axis(axis.int_at(0), rank, "axis");
}

// Floats sum in double, integers in 64 bits with wrap-around (the low bits match the element type).
template <class T>
using CumAcc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;

template <class T>
void cumsum_typed(const Tensor& x, Tensor& y, int64_t axis, bool exclusive, bool reverse) {
    int64_t outer = 1, n = x.shape[size_t(axis)], inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[size_t(d)];
    for (size_t d = size_t(axis) + 1; d < x.rank(); ++d) inner *= x.shape[d];
    const T* px = x.data<T>();
    T* py = y.mutable_data<T>();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t in = 0; in < inner; ++in) {
            CumAcc<T> acc = 0;
            for (int64_t s = 0; s < n; ++s) {
                int64_t i = reverse ? n - 1 - s : s;
                int64_t f = (o * n + i) * inner + in;
                CumAcc<T> v;
                if constexpr (std::is_integral_v<T>) v = static_cast<uint64_t>(static_cast<int64_t>(px[f]));
                else v = to_double(px[f]);
                if (!exclusive) acc += v;
                if constexpr (std::is_integral_v<T>) py[f] = static_cast<T>(acc);
                else py[f] = from_double<T>(acc);
                if (exclusive) acc += v;
            }
        }
    }
}

}  // namespace

void infer_cumsum(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    const ValueType& axis = require_input(inputs, 1);
    if (x.dtype != DType::undefined && !cumsum_dtype_ok(x.dtype))
        fail(std::string("CumSum does not take ") + dtype_name(x.dtype));
    if (axis.dtype != DType::undefined && axis.dtype != DType::i32 && axis.dtype != DType::i64)
        fail(std::string("axis must be int32 or int64, got ") + dtype_name(axis.dtype));
    if (axis.constant && x.shape.rank_known) read_axis(*axis.constant, int64_t(x.shape.rank()));
    outputs[0].dtype = x.dtype;
    outputs[0].shape = x.shape;
}

void evaluate_cumsum(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& x = require_input(inputs, 0);
    const Tensor& axis_t = require_input(inputs, 1);
    if (!cumsum_dtype_ok(x.dtype)) fail(std::string("CumSum does not take ") + dtype_name(x.dtype));
    int64_t axis = read_axis(axis_t, int64_t(x.rank()));
    bool exclusive = node.attrs.get_int("exclusive", 0) != 0;
    bool reverse = node.attrs.get_int("reverse", 0) != 0;
    Tensor y = Tensor::empty(x.dtype, x.shape);
    visit_dtype(x.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) cumsum_typed<T>(x, y, axis, exclusive, reverse);
    });
    outputs[0] = std::move(y);
}

}  // namespace frugal::ops
