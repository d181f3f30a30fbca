#include "kernels/cpu/elementwise.h"

#include <algorithm>

#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kChunk = 8192;

#ifdef __AVX512F__
void add_span(const float* a, const float* b, float* y, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = vec::tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
}
void mul_span(const float* x, float s, float* y, int64_t n) {
    __m512 vs = _mm512_set1_ps(s);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 m = vec::tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs));
    }
}
#else
void add_span(const float* a, const float* b, float* y, int64_t n) { scalar::add(a, b, y, n); }
void mul_span(const float* x, float s, float* y, int64_t n) { scalar::mul_scalar(x, s, y, n); }
#endif

}  // namespace

namespace scalar {
void add(const float* a, const float* b, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
void add_bias(const float* x, const float* bias, float* y, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < n; ++i) y[r * n + i] = x[r * n + i] + bias[i];
}
void mul_scalar(const float* x, float s, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s;
}
}  // namespace scalar

void add(const float* a, const float* b, float* y, int64_t n) {
    int64_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(chunks, n >= kParallelMin, [&](int64_t c) {
        int64_t begin = c * kChunk;
        add_span(a + begin, b + begin, y + begin, std::min(kChunk, n - begin));
    });
}

void add_bias(const float* x, const float* bias, float* y, int64_t rows, int64_t n) {
    parallel_for(rows, rows * n >= kParallelMin, [&](int64_t r) { add_span(x + r * n, bias, y + r * n, n); });
}

void mul_scalar(const float* x, float s, float* y, int64_t n) {
    int64_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(chunks, n >= kParallelMin, [&](int64_t c) {
        int64_t begin = c * kChunk;
        mul_span(x + begin, s, y + begin, std::min(kChunk, n - begin));
    });
}

}  // namespace frugal::kernels
