#include "ir/dtype.h"

#include <cmath>
#include <stdexcept>

namespace frugal {

size_t dtype_size(DType t) {
    switch (t) {
        case DType::f32: case DType::i32: case DType::u32: return 4;
        case DType::f16: case DType::bf16: case DType::i16: case DType::u16: return 2;
        case DType::f64: case DType::i64: case DType::u64: return 8;
        case DType::i8: case DType::u8: case DType::boolean: return 1;
        case DType::undefined: return 0;
    }
    return 0;
}

const char* dtype_name(DType t) {
    switch (t) {
        case DType::f32: return "float32";
        case DType::f16: return "float16";
        case DType::bf16: return "bfloat16";
        case DType::f64: return "float64";
        case DType::i8: return "int8";
        case DType::u8: return "uint8";
        case DType::i16: return "int16";
        case DType::u16: return "uint16";
        case DType::i32: return "int32";
        case DType::u32: return "uint32";
        case DType::i64: return "int64";
        case DType::u64: return "uint64";
        case DType::boolean: return "bool";
        case DType::undefined: return "undefined";
    }
    return "undefined";
}

bool dtype_is_float(DType t) {
    return t == DType::f32 || t == DType::f16 || t == DType::bf16 || t == DType::f64;
}

bool dtype_is_integer(DType t) {
    return t == DType::i8 || t == DType::u8 || t == DType::i16 || t == DType::u16 || t == DType::i32 ||
           t == DType::u32 || t == DType::i64 || t == DType::u64;
}

float f16_to_float(f16 h) {
    uint32_t sign = uint32_t(h.bits >> 15) << 31;
    uint32_t exp = (h.bits >> 10) & 0x1f;
    uint32_t mant = h.bits & 0x3ff;
    uint32_t u;
    if (exp == 0) {
        if (mant == 0) {
            u = sign;
        } else {  // subnormal: value = mant * 2^-24
            float f = std::ldexp(float(mant), -24);
            return sign ? -f : f;
        }
    } else if (exp == 31) {
        u = sign | 0x7f800000u | (mant << 13);
    } else {
        u = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

f16 float_to_f16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    uint16_t sign = uint16_t((u >> 16) & 0x8000);
    uint32_t abs = u & 0x7fffffffu;
    if (abs >= 0x7f800000u) {  // inf or nan
        return {uint16_t(sign | 0x7c00 | (abs > 0x7f800000u ? 0x200 : 0))};
    }
    if (abs >= 0x477ff000u) return {uint16_t(sign | 0x7c00)};  // rounds to inf
    if (abs < 0x38800000u) {  // subnormal or zero in f16
        float a;
        std::memcpy(&a, &abs, 4);
        float scaled = a * 16777216.0f;  // 2^24: one unit of the f16 subnormal
        uint32_t m = uint32_t(std::nearbyint(scaled));
        return {uint16_t(sign | m)};
    }
    uint32_t mant = abs & 0x7fffff;
    uint32_t exp = (abs >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
    return {uint16_t(sign | h)};
}

bf16 float_to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return {uint16_t((u >> 16) | 0x40)};  // quiet nan
    uint32_t rounding = 0x7fff + ((u >> 16) & 1);
    return {uint16_t((u + rounding) >> 16)};
}

}  // namespace frugal
