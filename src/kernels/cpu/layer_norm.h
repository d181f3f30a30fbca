#pragma once
// Layer normalization over the last axis: y[r, :] = (x[r, :] - mean_r) / sqrt(var_r + eps) *
// gamma + beta for x [rows, n]. gamma and beta are [n]; nullptr means 1 and 0. y may be x.
#include <cstdint>

namespace frugal::kernels {

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t n, float eps);

namespace scalar {
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t n, float eps);
}

}  // namespace frugal::kernels
