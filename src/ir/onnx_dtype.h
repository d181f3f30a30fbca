#pragma once
// ONNX TensorProto element type codes <-> DType. Only the integer codes: the reader, Cast and
// ConstantOfShape share this without pulling in protobuf headers.
#include "ir/dtype.h"

namespace frugal {

// Throws frugal::Error naming the ONNX type (e.g. "STRING (8)") when we have no such DType.
DType dtype_from_onnx(int64_t code);
// The same, but DType::undefined for a type frugal does not have (the caller words the error).
DType dtype_from_onnx_if_supported(int64_t code);
// The ONNX code of a DType; 0 (UNDEFINED) for DType::undefined.
int dtype_to_onnx(DType t);
// "FLOAT", "STRING", "FLOAT8E4M3FN", ... or "unknown" for codes ONNX does not define.
const char* onnx_dtype_name(int64_t code);

}  // namespace frugal
