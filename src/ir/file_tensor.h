#pragma once
// Tensors over bytes of a model file (a view into a memory-mapped .bin or external data file).
#include <memory>

#include "ir/tensor.h"

namespace frugal {

// A tensor viewing `bytes` when its first element is aligned for `t`, else an aligned owned
// copy. Files place weights at any offset (OpenVINO packs a .bin without padding after an odd
// number of i8 values; ONNX external data may start anywhere), and reading a float at an
// unaligned address is undefined behaviour (UBSan) that vectorized kernels may turn into a fault.
Tensor tensor_over_file_bytes(DType t, const Shape& s, std::shared_ptr<Buffer> bytes);

}  // namespace frugal
