// Range: start, start + delta, ... up to (excluding) limit, from three scalars of one type;
// count = max(ceil((limit - start) / delta), 0) and element i is start + i * delta.
#include <cmath>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static bool range_type_ok(DType t) {
    return t == DType::f32 || t == DType::f64 || t == DType::i16 || t == DType::i32 || t == DType::i64;
}

static double scalar_value(const Tensor& t, const char* what) {
    if (t.numel() != 1) fail(std::string(what) + " must be a scalar, found shape " + shape_to_string(t.shape));
    return t.double_at(0);
}

// Integers are counted exactly (no rounding through double for large int64 values).
static int64_t range_count(const Tensor& start, const Tensor& limit, const Tensor& delta) {
    if (dtype_is_integer(start.dtype)) {
        int64_t s = start.int_at(0), l = limit.int_at(0), d = delta.int_at(0);
        if (d == 0) fail("delta cannot be 0");
        int64_t diff = 0;
        if (__builtin_sub_overflow(l, s, &diff)) fail("limit - start overflows int64");
        if (d > 0) return diff > 0 ? (diff - 1) / d + 1 : 0;
        return diff < 0 ? (diff + 1) / d + 1 : 0;
    }
    double s = scalar_value(start, "start"), l = scalar_value(limit, "limit"), d = scalar_value(delta, "delta");
    if (d == 0) fail("delta cannot be 0");
    double n = std::ceil((l - s) / d);
    if (!(n >= 0)) return 0;  // also NaN
    if (n > 9.0e18) fail("Range would have too many elements");
    return int64_t(n);
}

static void check_range_types(DType s, DType l, DType d) {
    if (s != l || s != d)
        fail(std::string("start, limit and delta must have one type, found ") + dtype_name(s) + ", " + dtype_name(l) +
             ", " + dtype_name(d));
    if (!range_type_ok(s)) fail(std::string("Range does not support type ") + dtype_name(s));
}

void infer_range(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& s = require_input(inputs, 0);
    const ValueType& l = require_input(inputs, 1);
    const ValueType& d = require_input(inputs, 2);
    check_range_types(s.dtype, l.dtype, d.dtype);
    outputs[0].dtype = s.dtype;
    if (s.constant && l.constant && d.constant) {
        scalar_value(*s.constant, "start");
        scalar_value(*l.constant, "limit");
        scalar_value(*d.constant, "delta");
        outputs[0].shape = Shape{range_count(*s.constant, *l.constant, *d.constant)};
        return;
    }
    outputs[0].shape = PartialShape::of_rank(1);
}

void evaluate_range(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& start = require_input(inputs, 0);
    const Tensor& limit = require_input(inputs, 1);
    const Tensor& delta = require_input(inputs, 2);
    check_range_types(start.dtype, limit.dtype, delta.dtype);
    scalar_value(start, "start");
    scalar_value(limit, "limit");
    scalar_value(delta, "delta");
    int64_t n = range_count(start, limit, delta);
    Tensor out = Tensor::empty(start.dtype, {n});
    visit_dtype(start.dtype, [&]<class T>() {
        T s = start.data<T>()[0], d = delta.data<T>()[0];
        T* o = out.mutable_data<T>();
        if constexpr (std::is_integral_v<T>) {
            for (int64_t i = 0; i < n; ++i) o[i] = T(int64_t(s) + i * int64_t(d));
        } else if constexpr (std::is_floating_point_v<T>) {
            for (int64_t i = 0; i < n; ++i) o[i] = s + T(i) * d;
        }
    });
    outputs[0] = out;
}

}  // namespace frugal::ops
