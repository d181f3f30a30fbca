#pragma once
// Pieces shared by the elementwise reference kernels (arithmetic, unary math, comparison, Where,
// Cast): the compute type of each element type, value conversion with defined results for every
// input, the broadcast walk, and element type checks.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>

#include "ops/op_util.h"

namespace frugal::ops {

template <class T>
constexpr bool is_half_v = std::is_same_v<T, f16> || std::is_same_v<T, bf16>;
template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

// f16 and bf16 compute through float (as numpy does); every other type computes in itself.
template <class T>
struct calc_type {
    using type = T;
};
template <>
struct calc_type<f16> {
    using type = float;
};
template <>
struct calc_type<bf16> {
    using type = float;
};
template <class T>
using calc_t = typename calc_type<T>::type;

template <class T>
calc_t<T> load(T v) {
    if constexpr (std::is_same_v<T, f16>) return f16_to_float(v);
    else if constexpr (std::is_same_v<T, bf16>) return bf16_to_float(v);
    else return v;
}
template <class T>
T store(calc_t<T> v) {
    if constexpr (std::is_same_v<T, f16>) return float_to_f16(v);
    else if constexpr (std::is_same_v<T, bf16>) return float_to_bf16(v);
    else return v;
}

// A floating value to an integer type: truncation toward zero. ONNX leaves out-of-range results
// undefined and C++ makes them undefined behaviour; we saturate and map NaN to 0 so that a
// hostile input gives a defined answer.
template <class To>
To float_to_int(double v) {
    if (std::isnan(v)) return To(0);
    v = std::trunc(v);
    // Compare in double against the bounds; the upper bound 2^bits is exact in double.
    constexpr double lo = double(std::numeric_limits<To>::min());
    constexpr double hi_excl = std::is_signed_v<To> ? -lo : 2.0 * (double(std::numeric_limits<To>::max() / 2) + 1.0);
    if (v < lo) return std::numeric_limits<To>::min();
    if (v >= hi_excl) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
}

// A double to f16 or bf16 with a single rounding: rounding to float first with round-to-odd
// keeps enough information that the final round-to-nearest-even is the one numpy does directly.
template <class To>
To double_to_half(double v) {
    float f = static_cast<float>(v);
    if (std::isfinite(v) && double(f) != v) {
        if (std::fabs(double(f)) > std::fabs(v)) f = std::nextafter(f, 0.0f);  // truncate toward zero
        uint32_t u;
        std::memcpy(&u, &f, 4);
        u |= 1;  // sticky bit: the value was inexact
        std::memcpy(&f, &u, 4);
    }
    if constexpr (std::is_same_v<To, f16>) return float_to_f16(f);
    else return float_to_bf16(f);
}

// An integer to f16 or bf16 with a single rounding. Going through float would round twice
// (int32 2^25 + 2^17 + 1 becomes the bf16 tie 2^25 + 2^17 in float, then rounds down), so the
// integer is rounded to the half type's significand width here, after which float is exact.
template <class To, class From>
To int_to_half(From v) {
    constexpr int kBits = std::is_same_v<To, f16> ? 11 : 8;
    bool negative = false;
    uint64_t mag = uint64_t(v);
    if constexpr (std::is_signed_v<From>) {
        negative = v < 0;
        if (negative) mag = uint64_t(0) - mag;  // also right for the minimum value
    }
    int top = 63;
    while (top > 0 && !(mag >> top)) --top;
    double r = double(mag);
    if (top >= kBits) {
        int shift = top - kBits + 1;
        uint64_t q = mag >> shift, rem = mag & ((uint64_t(1) << shift) - 1), half = uint64_t(1) << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) ++q;
        r = std::ldexp(double(q), shift);  // q has at most kBits + 1 bits: exact
    }
    float f = float(negative ? -r : r);  // exact, or beyond float range only for huge values that are inf anyway
    if constexpr (std::is_same_v<To, f16>) return float_to_f16(f);
    else return float_to_bf16(f);
}

// Converts one element between any two of our types with Cast semantics: int->int wraps
// (two's complement, as numpy's astype), float->int truncates (see float_to_int), anything->bool
// is `!= 0` (NaN is true), bool->anything is 0 or 1, float->float rounds to nearest even.
template <class To, class From>
To convert_value(From v) {
    if constexpr (std::is_same_v<To, From>) {
        return v;
    } else if constexpr (std::is_same_v<To, bool>) {
        if constexpr (is_float_v<From>) return load(v) != 0;  // NaN != 0 is true
        else return v != 0;
    } else if constexpr (is_float_v<From>) {
        if constexpr (std::is_integral_v<To>) return float_to_int<To>(double(load(v)));
        else if constexpr (std::is_same_v<From, double> && is_half_v<To>) return double_to_half<To>(v);
        else return store<To>(static_cast<calc_t<To>>(load(v)));
    } else {
        // From is an integer or bool.
        if constexpr (std::is_integral_v<To>) return static_cast<To>(v);  // modular since C++20
        else if constexpr (is_half_v<To> && !std::is_same_v<From, bool>) return int_to_half<To>(v);
        else return store<To>(static_cast<calc_t<To>>(v));
    }
}

// Numpy broadcast of all present tensors' shapes.
Shape broadcast_tensor_shapes(std::span<const Tensor* const> ts);

// Calls f(i, ia, ib) for every flat output index i with the flat indices of the two inputs under
// broadcasting. Inputs with the output's shape skip the index arithmetic.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, F&& f) {
    int64_t n = shape_numel(out);
    if (a == out && b == out) {
        for (int64_t i = 0; i < n; ++i) f(i, i, i);
        return;
    }
    BroadcastIndexer ia(out, a), ib(out, b);
    for (int64_t i = 0; i < n; ++i) f(i, ia.at(i), ib.at(i));
}

// Element type checks shared by infer and evaluate. `what` names the operand in the message
// ("input 0", "condition"). An undefined type (not known yet during inference) passes.
void require_numeric(DType t, const char* what);
void require_float(DType t, const char* what);
void require_bool(DType t, const char* what);
void require_same_dtype(DType a, DType b, const char* what_a, const char* what_b);

}  // namespace frugal::ops
