#pragma once
// Transposes: the attention head split/merge [b, s, h, d] <-> [b, h, s, d] (permutation 0213, its
// own inverse), and a general permutation of any element size.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ir/shape.h"

namespace frugal::kernels {

// y[a, c, b, :] = x[a, b, c, :] for x [d0, d1, d2, d3] floats.
void transpose_0213(const float* x, float* y, int64_t d0, int64_t d1, int64_t d2, int64_t d3);

// y = x.transpose(perm) (numpy/ONNX meaning: output dim i is input dim perm[i]) for elements of
// elem_size bytes (1, 2, 4 or 8). Throws frugal::Error when perm is not a permutation of the rank.
void transpose(const void* x, void* y, const Shape& shape, std::span<const int64_t> perm, size_t elem_size);

}  // namespace frugal::kernels
