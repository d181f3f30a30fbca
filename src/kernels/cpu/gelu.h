#pragma once
// GELU, elementwise: the tanh approximation (GPT-2, Keras' approximate=True) and the exact erf form.
#include <cstdint>

namespace frugal::kernels {

enum class GeluForm { tanh, erf };

// y = gelu(x) over n floats; y may be x (in place).
void gelu(const float* x, float* y, int64_t n, GeluForm form);
inline void gelu_in_place(float* x, int64_t n, GeluForm form) { gelu(x, x, n, form); }

namespace scalar {
void gelu(const float* x, float* y, int64_t n, GeluForm form);
}

}  // namespace frugal::kernels
