#include "kernels/cpu/gemv_panels.h"

#include <algorithm>

#include "kernels/cpu/gelu.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

// One panel: y[0, cols) = x @ panel[K, 64]. Two accumulator sets (even and odd k) give eight
// independent FMA chains, enough to keep the loads, not the FMA latency, the limit.
void panel_dot(const float* x, const float* panel, int64_t K, int64_t cols, float* y) {
#ifdef __AVX512F__
    __m512 acc[2][4];
    for (auto& set : acc)
        for (auto& a : set) a = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 2 <= K; k += 2) {
        for (int s = 0; s < 2; ++s) {
            const float* row = panel + (k + s) * kPanelCols;
            __m512 xv = _mm512_set1_ps(x[k + s]);
            for (int j = 0; j < 4; ++j) acc[s][j] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(row + 16 * j), acc[s][j]);
        }
    }
    if (k < K) {
        __m512 xv = _mm512_set1_ps(x[k]);
        for (int j = 0; j < 4; ++j) acc[0][j] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(panel + k * kPanelCols + 16 * j), acc[0][j]);
    }
    for (int j = 0; j < 4 && 16 * j < cols; ++j)
        _mm512_mask_storeu_ps(y + 16 * j, vec::tail_mask(cols - 16 * j), _mm512_add_ps(acc[0][j], acc[1][j]));
#else
    float out[kPanelCols] = {};
    for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < kPanelCols; ++j) out[j] += x[k] * panel[k * kPanelCols + j];
    std::copy(out, out + cols, y);
#endif
}

}  // namespace

void gemv_panels(const float* x, const float* panels, int64_t K, int64_t N, int64_t panel_stride, const float* bias,
                 Activation activation, const float* residual, float* y) {
    int64_t count = (N + kPanelCols - 1) / kPanelCols;
    parallel_for(count, K * N >= (1 << 18), [&](int64_t p) {
        int64_t n0 = p * kPanelCols, cols = std::min(kPanelCols, N - n0);
        float* out = y + n0;
        panel_dot(x, panels + p * panel_stride, K, cols, out);
        // The epilogue in oneDNN's post-op order: bias, activation, residual.
        if (bias)
            for (int64_t j = 0; j < cols; ++j) out[j] += bias[n0 + j];
        if (activation != Activation::none)
            gelu(out, out, cols, activation == Activation::gelu_tanh ? GeluForm::tanh : GeluForm::erf);
        if (residual)
            for (int64_t j = 0; j < cols; ++j) out[j] += residual[n0 + j];
    });
}

}  // namespace frugal::kernels
