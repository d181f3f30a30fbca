#pragma once
// y = act(x @ B + bias) + residual for a single row x, with B in oneDNN's AVX-512 packed layout
// "BA16a64b": 64-column panels, one after another, each panel_stride floats long and holding
// B[:, 64p : 64p + 64] as a row-major [K (padded to 16), 64] block. That is a plain row-major
// matrix per panel, so one row of x streams each panel once, front to back; PackedMatmul uses this
// for M = 1 (decode), where the whole cost is reading the weight.
#include <cstdint>

#include "kernels/cpu/matmul_packed.h"

namespace frugal::kernels {

constexpr int64_t kPanelCols = 64;

// x [K], y [N]; bias [N] and residual [N] may be null. The panels are split over the threads.
void gemv_panels(const float* x, const float* panels, int64_t K, int64_t N, int64_t panel_stride, const float* bias,
                 Activation activation, const float* residual, float* y);

}  // namespace frugal::kernels
