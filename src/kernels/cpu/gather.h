#pragma once
// Embedding lookup: out[i, :] = table[ids[i], :] for table [rows, cols]. Negative ids count from
// the end (ONNX Gather); an id out of range throws frugal::Error.
#include <cstdint>

namespace frugal::kernels {

void gather_rows(const float* table, int64_t rows, int64_t cols, const int64_t* ids, int64_t count, float* out);
void gather_rows(const float* table, int64_t rows, int64_t cols, const int32_t* ids, int64_t count, float* out);

}  // namespace frugal::kernels
