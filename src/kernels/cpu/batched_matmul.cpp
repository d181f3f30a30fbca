// Plain AVX-512 tiles rather than oneDNN: the shapes change every decode step (the key count
// grows by one), and a oneDNN primitive per shape costs more to create than these small products
// cost to run (bench/bench_kernels.cpp compares the two).
//
// The work is cut into tiles of up to 4 rows of C by 64 columns, spread over the OpenMP threads.
//   B plain [K, N]:        16 accumulators = 4 rows x 4 vectors of 16 columns; per k, one
//                          broadcast of A per row and one load of B per vector.
//   B transposed [N, K]:   C[m, n] is a dot product of two contiguous rows; 4 rows x 4 columns of
//                          accumulators run along k, then each is reduced horizontally.
#include "kernels/cpu/batched_matmul.h"

#include <algorithm>

#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr int64_t kTileRows = 4;
constexpr int64_t kTileCols = 64;
constexpr int64_t kParallelMinFlops = 1 << 16;

#ifdef __AVX512F__
template <int R>
void tile_plain(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                int64_t ncols, float alpha) {
    __mmask16 mask[4];
    for (int j = 0; j < 4; ++j) mask[j] = ncols > 16 * j ? vec::tail_mask(ncols - 16 * j) : __mmask16(0);
    __m512 acc[R][4];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
        __m512 bv[4];
        for (int j = 0; j < 4; ++j) bv[j] = _mm512_maskz_loadu_ps(mask[j], b + k * ldb + 16 * j);
        for (int r = 0; r < R; ++r) {
            __m512 av = _mm512_set1_ps(a[r * lda + k]);
            for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
        }
    }
    __m512 valpha = _mm512_set1_ps(alpha);
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) _mm512_mask_storeu_ps(c + r * ldc + 16 * j, mask[j], _mm512_mul_ps(acc[r][j], valpha));
}

// Up to 4 columns of C: rows n of B (transposed) dotted with rows of A.
template <int R>
void dots_transposed(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                     int64_t ncols, float alpha) {
    __m512 acc[R][4];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
        __mmask16 m = vec::tail_mask(K - k);
        __m512 bv[4];
        for (int j = 0; j < 4; ++j) bv[j] = _mm512_maskz_loadu_ps(j < ncols ? m : __mmask16(0), b + j * ldb + k);
        for (int r = 0; r < R; ++r) {
            __m512 av = _mm512_maskz_loadu_ps(m, a + r * lda + k);
            for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < ncols; ++j) c[r * ldc + j] = alpha * vec::reduce_add(acc[r][j]);
}

template <int R>
void tile_transposed(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                     int64_t ncols, float alpha) {
    for (int64_t n = 0; n < ncols; n += 4)
        dots_transposed<R>(a, lda, b + n * ldb, ldb, c + n, ldc, K, std::min<int64_t>(4, ncols - n), alpha);
}

template <int R>
void tile(const BatchedMatmulArgs& p, const float* a, const float* b, float* c, int64_t ncols) {
    if (p.transposed_b) tile_transposed<R>(a, p.lda, b, p.ldb, c, p.ldc, p.K, ncols, p.alpha);
    else tile_plain<R>(a, p.lda, b, p.ldb, c, p.ldc, p.K, ncols, p.alpha);
}
#endif

// C rows [m0, m0 + rows) and columns [n0, n0 + cols) of batch bi.
void run_tile(const BatchedMatmulArgs& p, int64_t bi, int64_t m0, int64_t rows, int64_t n0, int64_t cols) {
    const float* a = p.a + bi * p.stride_a + m0 * p.lda;
    const float* b = p.b + bi * p.stride_b + (p.transposed_b ? n0 * p.ldb : n0);
    float* c = p.c + bi * p.stride_c + m0 * p.ldc + n0;
#ifdef __AVX512F__
    switch (rows) {
        case 1: return tile<1>(p, a, b, c, cols);
        case 2: return tile<2>(p, a, b, c, cols);
        case 3: return tile<3>(p, a, b, c, cols);
        default: return tile<4>(p, a, b, c, cols);
    }
#else
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t n = 0; n < cols; ++n) {
            float s = 0;
            for (int64_t k = 0; k < p.K; ++k) s += a[r * p.lda + k] * (p.transposed_b ? b[n * p.ldb + k] : b[k * p.ldb + n]);
            c[r * p.ldc + n] = p.alpha * s;
        }
#endif
}

}  // namespace

namespace scalar {
void batched_matmul(const BatchedMatmulArgs& p) {
    for (int64_t bi = 0; bi < p.batch; ++bi) {
        const float* a = p.a + bi * p.stride_a;
        const float* b = p.b + bi * p.stride_b;
        float* c = p.c + bi * p.stride_c;
        for (int64_t m = 0; m < p.M; ++m) {
            float* row = c + m * p.ldc;
            if (p.transposed_b) {
                for (int64_t n = 0; n < p.N; ++n) {
                    float s = 0;
                    for (int64_t k = 0; k < p.K; ++k) s += a[m * p.lda + k] * b[n * p.ldb + k];
                    row[n] = p.alpha * s;
                }
            } else {
                for (int64_t n = 0; n < p.N; ++n) row[n] = 0;
                for (int64_t k = 0; k < p.K; ++k) {
                    float av = a[m * p.lda + k];
                    for (int64_t n = 0; n < p.N; ++n) row[n] += av * b[k * p.ldb + n];
                }
                for (int64_t n = 0; n < p.N; ++n) row[n] *= p.alpha;
            }
        }
    }
}
}  // namespace scalar

void batched_matmul(const BatchedMatmulArgs& p) {
    if (p.batch <= 0 || p.M <= 0 || p.N <= 0) return;
    int64_t mtiles = (p.M + kTileRows - 1) / kTileRows;
    int64_t ntiles = (p.N + kTileCols - 1) / kTileCols;
    int64_t tasks = p.batch * mtiles * ntiles;
    bool parallel = p.batch * p.M * p.N * p.K >= kParallelMinFlops && tasks > 1;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t t = 0; t < tasks; ++t) {
        int64_t nt = t % ntiles, mt = t / ntiles % mtiles, bi = t / ntiles / mtiles;
        int64_t m0 = mt * kTileRows, n0 = nt * kTileCols;
        run_tile(p, bi, m0, std::min(kTileRows, p.M - m0), n0, std::min(kTileCols, p.N - n0));
    }
}

void batched_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
                    bool transposed_b, float alpha) {
    BatchedMatmulArgs p;
    p.batch = batch;
    p.M = M;
    p.N = N;
    p.K = K;
    p.a = a;
    p.lda = K;
    p.stride_a = M * K;
    p.b = b;
    p.ldb = transposed_b ? K : N;
    p.stride_b = K * N;
    p.transposed_b = transposed_b;
    p.c = c;
    p.ldc = N;
    p.stride_c = M * N;
    p.alpha = alpha;
    batched_matmul(p);
}

}  // namespace frugal::kernels
