// Both forms are written to keep relative accuracy in the negative tail, where the textbook
// 0.5 x (1 + tanh(u)) and 0.5 x (1 + erf(z)) cancel to nothing:
//   tanh form: 0.5 (1 + tanh(u)) = 1 / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3)
//   erf form:  0.5 (1 + erf(z)) = 1 - erfc(z)/2 for z >= 0 and erfc(-z)/2 for z < 0, z = x/sqrt(2)
#include "kernels/cpu/gelu.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr int64_t kChunk = 4096;  // elements per OpenMP task

inline float gelu_tanh_one(float x) {
    float u = kSqrt2OverPi * (x + kCubic * x * x * x);
    return x / (1.f + std::exp(-2.f * u));
}

inline float gelu_erf_one(float x) {
    float e = std::erfc(std::fabs(x) * kInvSqrt2);
    return x * (x >= 0 ? 1.f - 0.5f * e : 0.5f * e);
}

#ifdef __AVX512F__
inline __m512 gelu_tanh_vec(__m512 x) {
    __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    __m512 u = _mm512_mul_ps(_mm512_set1_ps(kSqrt2OverPi), _mm512_fmadd_ps(_mm512_set1_ps(kCubic), x3, x));
    __m512 e = vec::exp(_mm512_mul_ps(_mm512_set1_ps(-2.f), u));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.f), e));
}

inline __m512 gelu_erf_vec(__m512 x) {
    __m512 z = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(kInvSqrt2));
    __m512 half_e = _mm512_mul_ps(_mm512_set1_ps(0.5f), vec::erfc_nonnegative(z));
    __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    __m512 phi = _mm512_mask_sub_ps(half_e, positive, _mm512_set1_ps(1.f), half_e);
    return _mm512_mul_ps(x, phi);
}

void gelu_chunk(const float* x, float* y, int64_t n, GeluForm form) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = vec::tail_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        v = form == GeluForm::tanh ? gelu_tanh_vec(v) : gelu_erf_vec(v);
        _mm512_mask_storeu_ps(y + i, m, v);
    }
}
#endif

}  // namespace

namespace scalar {
void gelu(const float* x, float* y, int64_t n, GeluForm form) {
    if (form == GeluForm::tanh)
        for (int64_t i = 0; i < n; ++i) y[i] = gelu_tanh_one(x[i]);
    else
        for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf_one(x[i]);
}
}  // namespace scalar

void gelu(const float* x, float* y, int64_t n, GeluForm form) {
    int64_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(chunks, chunks > 4, [&](int64_t c) {
        int64_t begin = c * kChunk, len = std::min(kChunk, n - begin);
#ifdef __AVX512F__
        gelu_chunk(x + begin, y + begin, len, form);
#else
        scalar::gelu(x + begin, y + begin, len, form);
#endif
    });
}

}  // namespace frugal::kernels
