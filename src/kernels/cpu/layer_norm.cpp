// Two passes per row: the mean (summed in double, so that a large common offset does not eat the
// precision of small deviations), then the variance of the deviations, so that no E[x^2] - E[x]^2
// cancellation happens.
#include "kernels/cpu/layer_norm.h"

#include <cmath>

#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr int64_t kParallelMin = 1 << 14;  // elements

#ifdef __AVX512F__
void layer_norm_row(const float* x, const float* gamma, const float* beta, float* y, int64_t n, float eps) {
    __m512d acc_lo = _mm512_setzero_pd(), acc_hi = _mm512_setzero_pd();
    for (int64_t i = 0; i < n; i += 16) {
        __m512 v = _mm512_maskz_loadu_ps(vec::tail_mask(n - i), x + i);
        acc_lo = _mm512_add_pd(acc_lo, vec::low_half_pd(v));
        acc_hi = _mm512_add_pd(acc_hi, vec::high_half_pd(v));
    }
    float mean = float(vec::reduce_add(_mm512_add_pd(acc_lo, acc_hi)) / double(n));
    __m512 vmean = _mm512_set1_ps(mean);
    __m512 sq = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = vec::tail_mask(n - i);
        __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), vmean);
        sq = _mm512_fmadd_ps(d, d, sq);
    }
    float inv = 1.f / std::sqrt(vec::reduce_add(sq) / float(n) + eps);
    __m512 vinv = _mm512_set1_ps(inv);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = vec::tail_mask(n - i);
        __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmean), vinv);
        if (gamma) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, gamma + i));
        if (beta) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, beta + i));
        _mm512_mask_storeu_ps(y + i, m, v);
    }
}
#endif

void layer_norm_row_scalar(const float* x, const float* gamma, const float* beta, float* y, int64_t n, float eps) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    float mean = float(sum / double(n));
    float sq = 0;
    for (int64_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
    float inv = 1.f / std::sqrt(sq / float(n) + eps);
    for (int64_t i = 0; i < n; ++i) {
        float v = (x[i] - mean) * inv;
        if (gamma) v *= gamma[i];
        if (beta) v += beta[i];
        y[i] = v;
    }
}

}  // namespace

namespace scalar {
void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; ++r) layer_norm_row_scalar(x + r * n, gamma, beta, y + r * n, n, eps);
}
}  // namespace scalar

void layer_norm(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t n, float eps) {
    if (n <= 0) return;
    parallel_for(rows, rows * n >= kParallelMin, [&](int64_t r) {
#ifdef __AVX512F__
        layer_norm_row(x + r * n, gamma, beta, y + r * n, n, eps);
#else
        layer_norm_row_scalar(x + r * n, gamma, beta, y + r * n, n, eps);
#endif
    });
}

}  // namespace frugal::kernels
