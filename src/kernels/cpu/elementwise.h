#pragma once
// Elementwise float arithmetic the transformer needs outside fused matmuls: residual adds, bias
// adds (a [N] vector broadcast over rows) and scaling. Outputs may alias inputs.
#include <cstdint>

namespace frugal::kernels {

// y = a + b, n elements each.
void add(const float* a, const float* b, float* y, int64_t n);
// y[r, i] = x[r, i] + bias[i] for x [rows, n].
void add_bias(const float* x, const float* bias, float* y, int64_t rows, int64_t n);
// y = x * s.
void mul_scalar(const float* x, float s, float* y, int64_t n);

namespace scalar {
void add(const float* a, const float* b, float* y, int64_t n);
void add_bias(const float* x, const float* bias, float* y, int64_t rows, int64_t n);
void mul_scalar(const float* x, float s, float* y, int64_t n);
}  // namespace scalar

}  // namespace frugal::kernels
