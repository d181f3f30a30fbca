// Two implementations:
//  - oneDNN matmul with every dim, stride and alpha given at run time: one primitive per
//    transposed_b, made once. Attention shapes change every decode step (the key count grows by
//    one) and a oneDNN primitive per shape costs ~0.5 ms to create, more than the product itself;
//    with runtime dims oneDNN runs its JIT GEMM, which on this machine (one thread) is 4-7x faster
//    than our tiles on prefill-sized products and on par or better for one query row, where both
//    are bound by reading the KV cache (bench/bench_kernels.cpp, BM_BatchedMatmul*).
//  - Our own AVX-512 tiles (plain loops without AVX-512) for what oneDNN's strides cannot express:
//    a batch broadcast (stride 0) and K = 0.
//
// Tiles cover up to 4 rows of C by 64 columns and are spread over the OpenMP threads.
//   B plain [K, N]:      4 vectors of 16 columns per row; per k, a broadcast of A and a load of B.
//   B transposed [N, K]: C[m, n] is a dot product of two contiguous rows; a row of A is dotted
//                        with 8 rows of B (4 when 2..4 rows of A), then 4 sums are reduced at once.
#include "kernels/cpu/batched_matmul.h"

#include <algorithm>

#include "kernels/cpu/dnnl_engine.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr int64_t kTileRows = 4;
constexpr int64_t kTileCols = 64;
constexpr int64_t kParallelMinFlops = 1 << 20;  // multiply-adds (parallel_for.h)

#ifdef __AVX512F__
// With one row of A the four column vectors alone would make four FMA chains, too few to hide
// the FMA latency; one row gets two accumulator sets, for even and odd k.
template <int R>
void tile_plain(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                int64_t ncols, float alpha) {
    constexpr int S = R == 1 ? 2 : 1;
    __mmask16 mask[4];
    for (int j = 0; j < 4; ++j) mask[j] = ncols > 16 * j ? vec::tail_mask(ncols - 16 * j) : __mmask16(0);
    __m512 acc[S][R][4];
    for (int s = 0; s < S; ++s)
        for (int r = 0; r < R; ++r)
            for (int j = 0; j < 4; ++j) acc[s][r][j] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + S <= K; k += S)
        for (int s = 0; s < S; ++s) {
            __m512 bv[4];
            for (int j = 0; j < 4; ++j) bv[j] = _mm512_maskz_loadu_ps(mask[j], b + (k + s) * ldb + 16 * j);
            for (int r = 0; r < R; ++r) {
                __m512 av = _mm512_set1_ps(a[r * lda + k + s]);
                for (int j = 0; j < 4; ++j) acc[s][r][j] = _mm512_fmadd_ps(av, bv[j], acc[s][r][j]);
            }
        }
    for (; k < K; ++k)
        for (int r = 0; r < R; ++r) {
            __m512 av = _mm512_set1_ps(a[r * lda + k]);
            for (int j = 0; j < 4; ++j)
                acc[0][r][j] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mask[j], b + k * ldb + 16 * j), acc[0][r][j]);
        }
    __m512 valpha = _mm512_set1_ps(alpha);
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) {
            __m512 v = acc[0][r][j];
            if constexpr (S == 2) v = _mm512_add_ps(v, acc[1][r][j]);
            _mm512_mask_storeu_ps(c + r * ldc + 16 * j, mask[j], _mm512_mul_ps(v, valpha));
        }
}

// Up to C columns of C (C a multiple of 4): rows n of B (transposed) dotted with R rows of A.
template <int R, int C>
void dots_transposed(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                     int64_t ncols, float alpha) {
    __m512 acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < C; ++j) acc[r][j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
        __mmask16 m = vec::tail_mask(K - k);
        __m512 bv[C];
        for (int j = 0; j < C; ++j) bv[j] = _mm512_maskz_loadu_ps(j < ncols ? m : __mmask16(0), b + j * ldb + k);
        for (int r = 0; r < R; ++r) {
            __m512 av = _mm512_maskz_loadu_ps(m, a + r * lda + k);
            for (int j = 0; j < C; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
        }
    }
    __m128 valpha = _mm_set1_ps(alpha);
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < C && j < ncols; j += 4) {
            __m128 s = vec::reduce_add4(acc[r][j], acc[r][j + 1], acc[r][j + 2], acc[r][j + 3]);
            int64_t left = std::min<int64_t>(4, ncols - j);
            _mm_mask_storeu_ps(c + r * ldc + j, __mmask8((1u << left) - 1), _mm_mul_ps(s, valpha));
        }
}

template <int R>
void tile_transposed(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t K,
                     int64_t ncols, float alpha) {
    constexpr int C = R == 1 ? 8 : 4;
    for (int64_t n = 0; n < ncols; n += C)
        dots_transposed<R, C>(a, lda, b + n * ldb, ldb, c + n, ldc, K, std::min<int64_t>(C, ncols - n), alpha);
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

// oneDNN's matmul for any shape and strides: the two primitives are made on first use.
struct RuntimeMatmul {
    dnnl::matmul plain, transposed;

    RuntimeMatmul() {
        const auto R = DNNL_RUNTIME_DIM_VAL;
        using dt = dnnl::memory::data_type;
        dnnl::memory::desc a_md({R, R, R}, dt::f32, dnnl::memory::dims{R, R, 1});
        dnnl::memory::desc c_md({R, R, R}, dt::f32, dnnl::memory::dims{R, R, 1});
        dnnl::primitive_attr attr;
        attr.set_output_scales(0, {DNNL_RUNTIME_F32_VAL});
        for (bool t : {false, true}) {
            dnnl::memory::desc b_md({R, R, R}, dt::f32, t ? dnnl::memory::dims{R, 1, R} : dnnl::memory::dims{R, R, 1});
            dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), attr, dnnl_cpu_engine()));
            (t ? transposed : plain) = mm;
        }
    }

    void run(const BatchedMatmulArgs& p) const {
        using dt = dnnl::memory::data_type;
        dnnl::engine& eng = dnnl_cpu_engine();
        dnnl::memory a({{p.batch, p.M, p.K}, dt::f32, {p.stride_a, p.lda, 1}}, eng, const_cast<float*>(p.a));
        dnnl::memory::dims b_strides = p.transposed_b ? dnnl::memory::dims{p.stride_b, 1, p.ldb}
                                                      : dnnl::memory::dims{p.stride_b, p.ldb, 1};
        dnnl::memory b({{p.batch, p.K, p.N}, dt::f32, b_strides}, eng, const_cast<float*>(p.b));
        dnnl::memory c({{p.batch, p.M, p.N}, dt::f32, {p.stride_c, p.ldc, 1}}, eng, p.c);
        float alpha = p.alpha;
        dnnl::memory scale({{1}, dt::f32, dnnl::memory::format_tag::x}, eng, &alpha);
        dnnl::stream& s = dnnl_thread_stream();
        (p.transposed_b ? transposed : plain)
            .execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}, {DNNL_ARG_ATTR_OUTPUT_SCALES, scale}});
        s.wait();
    }
};

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

void batched_matmul_tiles(const BatchedMatmulArgs& p) {
    if (p.batch <= 0 || p.M <= 0 || p.N <= 0) return;
    int64_t mtiles = (p.M + kTileRows - 1) / kTileRows;
    int64_t ntiles = (p.N + kTileCols - 1) / kTileCols;
    int64_t tasks = p.batch * mtiles * ntiles;
    auto task = [&](int64_t t) {
        int64_t nt = t % ntiles, mt = t / ntiles % mtiles, bi = t / ntiles / mtiles;
        int64_t m0 = mt * kTileRows, n0 = nt * kTileCols;
        run_tile(p, bi, m0, std::min(kTileRows, p.M - m0), n0, std::min(kTileCols, p.N - n0));
    };
    parallel_for(tasks, p.batch * p.M * p.N * p.K >= kParallelMinFlops, task);
}

void batched_matmul(const BatchedMatmulArgs& p) {
    if (p.batch <= 0 || p.M <= 0 || p.N <= 0) return;
    // oneDNN wants positive strides and a real K; broadcasts stay with the tiles.
    bool dnnl_fits = p.K > 0 && (p.batch == 1 || (p.stride_a > 0 && p.stride_b > 0 && p.stride_c > 0));
    if (!dnnl_fits) return batched_matmul_tiles(p);
    BatchedMatmulArgs q = p;
    if (q.batch == 1) {  // a single batch's strides are never used; give oneDNN consistent ones
        q.stride_a = q.M * q.lda;
        q.stride_b = q.transposed_b ? q.N * q.ldb : q.K * q.ldb;
        q.stride_c = q.M * q.ldc;
    }
    static const RuntimeMatmul runtime;
    runtime.run(q);
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
