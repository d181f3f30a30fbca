#include "ir/onnx_dtype.h"

#include <string>

#include "ir/error.h"

namespace frugal {

// Codes from onnx.proto's TensorProto.DataType.
const char* onnx_dtype_name(int64_t code) {
    switch (code) {
        case 0: return "UNDEFINED";
        case 1: return "FLOAT";
        case 2: return "UINT8";
        case 3: return "INT8";
        case 4: return "UINT16";
        case 5: return "INT16";
        case 6: return "INT32";
        case 7: return "INT64";
        case 8: return "STRING";
        case 9: return "BOOL";
        case 10: return "FLOAT16";
        case 11: return "DOUBLE";
        case 12: return "UINT32";
        case 13: return "UINT64";
        case 14: return "COMPLEX64";
        case 15: return "COMPLEX128";
        case 16: return "BFLOAT16";
        case 17: return "FLOAT8E4M3FN";
        case 18: return "FLOAT8E4M3FNUZ";
        case 19: return "FLOAT8E5M2";
        case 20: return "FLOAT8E5M2FNUZ";
        case 21: return "UINT4";
        case 22: return "INT4";
        case 23: return "FLOAT4E2M1";
        default: return "unknown";
    }
}

DType dtype_from_onnx_if_supported(int64_t code) {
    switch (code) {
        case 1: return DType::f32;
        case 2: return DType::u8;
        case 3: return DType::i8;
        case 4: return DType::u16;
        case 5: return DType::i16;
        case 6: return DType::i32;
        case 7: return DType::i64;
        case 9: return DType::boolean;
        case 10: return DType::f16;
        case 11: return DType::f64;
        case 12: return DType::u32;
        case 13: return DType::u64;
        case 16: return DType::bf16;
        default: return DType::undefined;
    }
}

DType dtype_from_onnx(int64_t code) {
    DType t = dtype_from_onnx_if_supported(code);
    if (t != DType::undefined) return t;
    fail(std::string("unsupported ONNX element type ") + onnx_dtype_name(code) + " (" + std::to_string(code) + ")");
}

int dtype_to_onnx(DType t) {
    switch (t) {
        case DType::f32: return 1;
        case DType::u8: return 2;
        case DType::i8: return 3;
        case DType::u16: return 4;
        case DType::i16: return 5;
        case DType::i32: return 6;
        case DType::i64: return 7;
        case DType::boolean: return 9;
        case DType::f16: return 10;
        case DType::f64: return 11;
        case DType::u32: return 12;
        case DType::u64: return 13;
        case DType::bf16: return 16;
        case DType::undefined: return 0;
    }
    return 0;
}

}  // namespace frugal
