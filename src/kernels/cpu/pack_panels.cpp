#include "kernels/cpu/pack_panels.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/cpu/gemv_panels.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/threads.h"

#ifdef __AVX512F__
// GCC 12's AVX-512 shuffle and unpack intrinsics start from _mm512_undefined_ps(), a
// self-initialized variable that -Wuninitialized flags once they are inlined (a known false
// positive, -Wmaybe-uninitialized when inlined elsewhere); they must be off where the header's
// code is, so for this whole file.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace frugal::kernels {

namespace {

// Source bytes per block: small enough that the not-yet-released part of the source stays a
// few MB above the weights, large enough that the per-block OpenMP fork (a few us) is noise.
constexpr size_t kBlockBytes = size_t(4) << 20;
// Below this a weight is packed on the calling thread only (about 30 us of copying).
constexpr int64_t kParallelElements = int64_t(1) << 16;
// A reader's bytes are copied into a staging buffer about this big (at least one source row or
// one panel's rows), so that the packing loop reads them back from the core's L2.
constexpr size_t kStagingBytes = size_t(256) << 10;

// The calling thread's staging buffer. Kept for the thread's life (the OpenMP pool's threads live
// as long as the process) and reused by every weight: a fresh buffer per weight would take its
// pages from the OS every time. One that had to grow past a few MB (a panel of a weight with a
// very long K) is given back after use, so that no thread keeps megabytes for good.
thread_local std::vector<float> t_staging;
constexpr size_t kStagingKeepFloats = (size_t(4) << 20) / sizeof(float);

float* staging(size_t floats) {
    if (t_staging.size() < floats) t_staging.resize(floats);
    return t_staging.data();
}

void trim_staging() {
    if (t_staging.size() > kStagingKeepFloats) std::vector<float>().swap(t_staging);
}

// Rows [k0, k1) of a row-major [K, N] B, each cut into its 64-wide panel pieces; `rows` points
// at row k0.
void pack_rows(const float* rows, int64_t N, int64_t k0, int64_t k1, int64_t panel_stride, float* dst) {
    int64_t panels = (N + kPanelCols - 1) / kPanelCols;
    for (int64_t k = k0; k < k1; ++k) {
        const float* row = rows + (k - k0) * N;
        float* out = dst + k * kPanelCols;
        int64_t p = 0;
        for (; p < N / kPanelCols; ++p) std::memcpy(out + p * panel_stride, row + p * kPanelCols, kPanelCols * sizeof(float));
        if (p < panels) std::memcpy(out + p * panel_stride, row + p * kPanelCols, size_t(N - p * kPanelCols) * sizeof(float));
    }
}

#ifdef __AVX512F__
// out[r * out_stride + c] = in[c * in_stride + r] for a full 16 x 16 tile.
inline void transpose16x16(const float* in, int64_t in_stride, float* out, int64_t out_stride) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(in + i * in_stride);
    // The usual four stages: unpack 32-bit pairs, unpack 64-bit pairs, shuffle 128-bit lanes twice.
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    // Now r[4q + j], 128-bit lane l, is column 4l + j of rows 4q..4q+3; two rounds of lane
    // shuffles gather the four row quads of each column into one register.
    for (int i = 0; i < 4; ++i) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
    for (int c = 0; c < 16; ++c) _mm512_storeu_ps(out + c * out_stride, r[c]);
}
#endif

// Panel p of B = src^T, src row-major [N, K]: dst panel row k, column j = src[64p + j][k].
// `rows` points at source row 64p; the panel has `cols` (at most 64) of them.
void pack_panel_transposed(const float* rows, int64_t K, int64_t cols, float* panel) {
    int64_t k0 = 0;
#ifdef __AVX512F__
    if (cols == kPanelCols) {
        for (; k0 + 16 <= K; k0 += 16)
            for (int64_t j0 = 0; j0 < kPanelCols; j0 += 16)
                transpose16x16(rows + j0 * K + k0, K, panel + k0 * kPanelCols + j0, kPanelCols);
    }
#endif
    // The edges (and everything without AVX-512): 16-row strips of k, scalar.
    for (int64_t kb = k0; kb < K; kb += 16) {
        int64_t ke = std::min(K, kb + 16);
        for (int64_t j = 0; j < cols; ++j) {
            const float* in = rows + j * K;
            for (int64_t k = kb; k < ke; ++k) panel[k * kPanelCols + j] = in[k];
        }
    }
}

// [0, n) cut into `parts` nearly equal ranges; range i.
std::pair<int64_t, int64_t> part(int64_t n, int64_t parts, int64_t i) { return {n * i / parts, n * (i + 1) / parts}; }

}  // namespace

bool pack_panels(const PackSource& src, int64_t K, int64_t N, bool transposed, int64_t panel_stride, float* dst,
                 const std::function<void(size_t)>& consumed) {
    const bool parallel = K * N >= kParallelElements;
    const int64_t parts = parallel ? std::max(1, num_threads()) : 1;  // of each block, one per thread
    std::atomic<bool> failed{false};
    if (!transposed) {
        // Blocks of whole source rows k, each row spread over every panel.
        int64_t rows = std::max<int64_t>(1, int64_t(kBlockBytes / (size_t(N) * sizeof(float))));
        int64_t staged_rows = std::max<int64_t>(1, int64_t(kStagingBytes / (size_t(N) * sizeof(float))));
        for (int64_t k0 = 0; k0 < K; k0 += rows) {
            int64_t k1 = std::min(K, k0 + rows);
            parallel_for(parts, parallel, [&](int64_t i) {
                auto [a, b] = part(k1 - k0, parts, i);
                if (!src.read) {
                    if (a < b) pack_rows(src.data + (k0 + a) * N, N, k0 + a, k0 + b, panel_stride, dst);
                    return;
                }
                for (int64_t r = k0 + a; r < k0 + b; r += staged_rows) {
                    int64_t e = std::min(k0 + b, r + staged_rows);
                    float* rows_at = staging(size_t((e - r) * N));
                    if (failed || !src.read(size_t(r * N) * sizeof(float), size_t((e - r) * N) * sizeof(float), rows_at)) {
                        failed = true;
                        return;
                    }
                    pack_rows(rows_at, N, r, e, panel_stride, dst);
                }
                trim_staging();
            });
            if (failed) return false;
            if (consumed) consumed(size_t(k1) * size_t(N) * sizeof(float));
        }
        return true;
    }
    // Blocks of whole panels: panel p reads source rows [64p, 64p + 64).
    int64_t panels = (N + kPanelCols - 1) / kPanelCols;
    int64_t per_block = std::max<int64_t>(1, int64_t(kBlockBytes / (size_t(K) * kPanelCols * sizeof(float))));
    for (int64_t p0 = 0; p0 < panels; p0 += per_block) {
        int64_t p1 = std::min(panels, p0 + per_block);
        parallel_for(parts, parallel, [&](int64_t i) {
            auto [a, b] = part(p1 - p0, parts, i);
            for (int64_t p = p0 + a; p < p0 + b; ++p) {
                int64_t n0 = p * kPanelCols, cols = std::min(kPanelCols, N - n0);
                const float* rows = src.data ? src.data + n0 * K : nullptr;
                if (src.read) {
                    float* staged = staging(size_t(cols * K));
                    if (failed || !src.read(size_t(n0 * K) * sizeof(float), size_t(cols * K) * sizeof(float), staged)) {
                        failed = true;
                        return;
                    }
                    rows = staged;
                }
                pack_panel_transposed(rows, K, cols, dst + p * panel_stride);
            }
            trim_staging();
        });
        if (failed) return false;
        if (consumed) consumed(size_t(std::min(N, p1 * kPanelCols)) * size_t(K) * sizeof(float));
    }
    return true;
}

}  // namespace frugal::kernels
