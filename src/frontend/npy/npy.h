#pragma once
// numpy's .npy format (versions 1.0, 2.0 and 3.0; C order; little-endian or single-byte types).
#include <string>

#include "ir/tensor.h"

namespace frugal {

Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);
// The descr string numpy uses for a dtype: "<f4", "|b1", ...
std::string npy_descr(DType t);

}  // namespace frugal
