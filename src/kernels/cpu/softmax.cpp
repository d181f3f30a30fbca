// Three passes over a row: the maximum of scale * x, then e = exp(scale * x - max) stored into y
// while summing, then y *= 1 / sum. Masked keys are written as 0 and never read.
#include "kernels/cpu/softmax.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr int64_t kParallelMin = 1 << 13;  // elements

// How many keys row r sees.
int64_t visible_keys(int64_t r, int64_t n, const SoftmaxOptions& o) {
    if (!o.causal) return n;
    int64_t i = o.block_rows > 0 ? r % o.block_rows : r;
    return std::clamp<int64_t>(o.past + i + 1, 0, n);
}

#ifdef __AVX512F__
void softmax_row(const float* x, float* y, int64_t visible, int64_t n, float scale) {
    __m512 vscale = _mm512_set1_ps(scale);
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (int64_t i = 0; i < visible; i += 16) {
        __mmask16 m = vec::tail_mask(visible - i);
        vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vscale));
    }
    float mx = vec::reduce_max(vmax);
    if (std::isinf(mx) && mx < 0) mx = 0;  // every key -inf: keep x - max at -inf, not NaN
    __m512 vm = _mm512_set1_ps(mx);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t i = 0; i < visible; i += 16) {
        __mmask16 m = vec::tail_mask(visible - i);
        __m512 e = vec::exp(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(m, x + i), vscale, vm));
        sum = _mm512_mask_add_ps(sum, m, sum, e);
        _mm512_mask_storeu_ps(y + i, m, e);
    }
    __m512 inv = _mm512_set1_ps(1.f / vec::reduce_add(sum));
    for (int64_t i = 0; i < visible; i += 16) {
        __mmask16 m = vec::tail_mask(visible - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), inv));
    }
    for (int64_t i = visible; i < n; i += 16) _mm512_mask_storeu_ps(y + i, vec::tail_mask(n - i), _mm512_setzero_ps());
}
#endif

void softmax_row_scalar(const float* x, float* y, int64_t visible, int64_t n, float scale) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < visible; ++i) mx = std::max(mx, x[i] * scale);
    if (std::isinf(mx) && mx < 0) mx = 0;
    float sum = 0;
    for (int64_t i = 0; i < visible; ++i) {
        y[i] = std::exp(x[i] * scale - mx);
        sum += y[i];
    }
    float inv = 1.f / sum;
    for (int64_t i = 0; i < visible; ++i) y[i] *= inv;
    for (int64_t i = visible; i < n; ++i) y[i] = 0;
}

}  // namespace

namespace scalar {
void softmax(const float* x, float* y, int64_t rows, int64_t n, const SoftmaxOptions& o) {
    for (int64_t r = 0; r < rows; ++r) softmax_row_scalar(x + r * n, y + r * n, visible_keys(r, n, o), n, o.scale);
}
}  // namespace scalar

void softmax(const float* x, float* y, int64_t rows, int64_t n, const SoftmaxOptions& o) {
    parallel_for(rows, rows * n >= kParallelMin, [&](int64_t r) {
#ifdef __AVX512F__
        softmax_row(x + r * n, y + r * n, visible_keys(r, n, o), n, o.scale);
#else
        softmax_row_scalar(x + r * n, y + r * n, visible_keys(r, n, o), n, o.scale);
#endif
    });
}

}  // namespace frugal::kernels
