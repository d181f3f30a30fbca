#pragma once
// Element types. The numbering is our own; frontends translate from ONNX / OpenVINO codes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace frugal {

enum class DType : uint8_t { undefined, f32, f16, bf16, f64, i8, u8, i16, u16, i32, u32, i64, u64, boolean };

size_t dtype_size(DType t);
const char* dtype_name(DType t);  // numpy-like names: float32, int64, bool, ...
bool dtype_is_float(DType t);
bool dtype_is_integer(DType t);

// 16-bit floats are stored as bits; arithmetic converts through float.
struct f16 {
    uint16_t bits;
};
struct bf16 {
    uint16_t bits;
};
float f16_to_float(f16 h);
f16 float_to_f16(float f);  // round to nearest even
inline float bf16_to_float(bf16 b) {
    uint32_t u = uint32_t(b.bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
bf16 float_to_bf16(float f);  // round to nearest even

template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<f16>() { return DType::f16; }
template <> constexpr DType dtype_of<bf16>() { return DType::bf16; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::i16; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::u16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::u32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::u64; }
template <> constexpr DType dtype_of<bool>() { return DType::boolean; }

// Calls fn.template operator()<T>() with the C++ type of `t`. Reference kernels use it to
// write one plain loop per op instead of one per type.
template <class Fn>
decltype(auto) visit_dtype(DType t, Fn&& fn) {
    switch (t) {
        case DType::f32: return fn.template operator()<float>();
        case DType::f16: return fn.template operator()<f16>();
        case DType::bf16: return fn.template operator()<bf16>();
        case DType::f64: return fn.template operator()<double>();
        case DType::i8: return fn.template operator()<int8_t>();
        case DType::u8: return fn.template operator()<uint8_t>();
        case DType::i16: return fn.template operator()<int16_t>();
        case DType::u16: return fn.template operator()<uint16_t>();
        case DType::i32: return fn.template operator()<int32_t>();
        case DType::u32: return fn.template operator()<uint32_t>();
        case DType::i64: return fn.template operator()<int64_t>();
        case DType::u64: return fn.template operator()<uint64_t>();
        case DType::boolean: return fn.template operator()<bool>();
        case DType::undefined: break;
    }
    throw std::runtime_error("element type is undefined");
}

// Conversions used by kernels that compute in a wider type (f16/bf16 through float).
template <class T>
inline double to_double(T v) {
    if constexpr (std::is_same_v<T, f16>) return f16_to_float(v);
    else if constexpr (std::is_same_v<T, bf16>) return bf16_to_float(v);
    else return static_cast<double>(v);
}
template <class T>
inline T from_double(double v) {
    if constexpr (std::is_same_v<T, f16>) return float_to_f16(float(v));
    else if constexpr (std::is_same_v<T, bf16>) return float_to_bf16(float(v));
    else if constexpr (std::is_same_v<T, bool>) return v != 0.0;
    else return static_cast<T>(v);
}

}  // namespace frugal
