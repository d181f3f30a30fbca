// Work is split by (batch, head); within a head, query rows go in blocks of kRowBlock whose
// scores [rows, keys] sit in a per-thread buffer, so a head's K and V are each read once per
// block (once in all for decode) and no scores tensor exists.
//
// Scores, two ways (AVX-512):
//  - few query rows (decode): each score is a dot product of a Q row and a K row, four keys at a
//    time reduced together; K is read once, in place.
//  - prefill: K is packed once per head into tiles of 16 keys transposed to [D][16] (packing only
//    the keys some query sees when causal); a register tile of 4 query rows x 32 keys takes, per
//    step along D, two loads of the packing and four broadcasts of Q for 8 vector multiply-adds,
//    with no horizontal sums.
// The scale is folded into the copy of the Q rows. Softmax keeps exp(s - max) unnormalized and
// the 1/sum goes into the output. P V: up to 4 rows x 64 columns of the output in registers, one
// broadcast of P and 4 loads of a V row per key. Causal rows stop at the last key they see, and a
// block's scores stop at the last key its last row sees: masked keys cost nothing.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/threads.h"
#include "kernels/cpu/vec_math.h"

namespace frugal::kernels {

namespace {

constexpr int64_t kRowBlock = 32;          // query rows whose scores are held at once
constexpr int64_t kPackMinRows = 4;        // fewer query rows: dot products, K is not packed
// Multiply-adds, ~70 us on one thread (parallel_for.h). Measured on the shared machine with
// passive waiting: at 1 << 19, GPT-2 base's prefill of 32 (0.8 M, 60 us on one thread) and decode
// at 512 keys (0.8 M) took longer on two threads than on one (BM_Attention, frugal profile).
constexpr int64_t kParallelMin = 1 << 20;

// The number of keys query i sees.
int64_t visible_keys(const AttentionArgs& a, int64_t i) { return a.causal ? std::clamp<int64_t>(a.past + i + 1, 0, a.Sk) : a.Sk; }

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// Applies the bool and additive masks to the scores s[0, n) of query i of head (b, h).
void apply_masks(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, float* s, int64_t n) {
    if (a.bool_mask) {
        const Strides4& st = a.bool_mask_stride;
        const bool* m = a.bool_mask + b * st[0] + h * st[1] + i * st[2];
        for (int64_t j = 0; j < n; ++j)
            if (!m[j * st[3]]) s[j] = a.mask_fill;
    }
    if (a.add_mask) {
        const Strides4& st = a.add_mask_stride;
        const float* m = a.add_mask + b * st[0] + h * st[1] + i * st[2];
        if (st[3] == 1)
            for (int64_t j = 0; j < n; ++j) s[j] += m[j];
        else
            for (int64_t j = 0; j < n; ++j) s[j] += m[j * st[3]];
    }
}

// Query rows [r0, r1) of one head in plain loops, any strides: the fallback and the path without
// AVX-512.
void head_plain(const AttentionArgs& a, int64_t b, int64_t h, int64_t r0, int64_t r1, std::vector<float>& s) {
    s.resize(size_t(std::max<int64_t>(a.Sk, 1)));
    const float* qh = a.q + b * a.q_stride[0] + h * a.q_stride[1];
    const float* kh = a.k + b * a.k_stride[0] + h * a.k_stride[1];
    const float* vh = a.v + b * a.v_stride[0] + h * a.v_stride[1];
    float* oh = a.out + b * a.out_stride[0] + h * a.out_stride[1];
    for (int64_t i = r0; i < r1; ++i) {
        int64_t n = visible_keys(a, i);
        const float* qr = qh + i * a.q_stride[2];
        for (int64_t j = 0; j < n; ++j) {
            const float* kr = kh + j * a.k_stride[2];
            float dot = 0;
            for (int64_t d = 0; d < a.D; ++d) dot += qr[d * a.q_stride[3]] * kr[d * a.k_stride[3]];
            s[size_t(j)] = a.scale * dot;
        }
        apply_masks(a, b, h, i, s.data(), n);
        float mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < n; ++j) mx = std::max(mx, s[size_t(j)]);
        for (int64_t j = 0; j < n; ++j) sum += s[size_t(j)] = std::exp(s[size_t(j)] - mx);
        float inv = n > 0 ? 1.f / sum : 0.f;
        float* orow = oh + i * a.out_stride[2];
        for (int64_t e = 0; e < a.Dv; ++e) {
            float acc = 0;
            for (int64_t j = 0; j < n; ++j) acc += s[size_t(j)] * vh[j * a.v_stride[2] + e * a.v_stride[3]];
            orow[e * a.out_stride[3]] = acc * inv;
        }
    }
}

// Work of the whole call in multiply-adds, for the threading decision.
int64_t work(const AttentionArgs& a) {
    int64_t keys = 0;
    for (int64_t i = 0; i < a.Sq; ++i) keys += visible_keys(a, i);
    return a.B * a.H * keys * (a.D + a.Dv);
}

#ifdef __AVX512F__
struct Scratch {
    std::vector<float> q, s, kt, o, inv;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

inline __mmask16 lanes(int64_t remaining) { return remaining <= 0 ? __mmask16(0) : vec::tail_mask(remaining); }

// s[j] = q . k_j for j in [0, n): K rows `ks` apart, read in place.
void scores_dot(const float* q, const float* k, int64_t ks, int64_t n, int64_t D, float* s) {
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int64_t d = 0; d < D; d += 16) {
            __mmask16 m = vec::tail_mask(D - d);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + d);
            for (int u = 0; u < 4; ++u) acc[u] = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, k + (j + u) * ks + d), acc[u]);
        }
        _mm_storeu_ps(s + j, vec::reduce_add4(acc[0], acc[1], acc[2], acc[3]));
    }
    for (; j < n; ++j) {
        __m512 acc = _mm512_setzero_ps();
        for (int64_t d = 0; d < D; d += 16) {
            __mmask16 m = vec::tail_mask(D - d);
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + d), _mm512_maskz_loadu_ps(m, k + j * ks + d), acc);
        }
        s[j] = vec::reduce_add(acc);
    }
}

// Packs keys [16 t0, 16 t1) of K into tiles of [D][16]; keys past Sk are zeros.
void pack_keys(const float* k, int64_t ks, int64_t Sk, int64_t D, int64_t t0, int64_t t1, float* kt) {
    for (int64_t t = t0; t < t1; ++t) {
        float* tile = kt + t * 16 * D;
        for (int64_t u = 0; u < 16; ++u) {
            int64_t j = t * 16 + u;
            if (j < Sk) {
                const float* kr = k + j * ks;
                for (int64_t d = 0; d < D; ++d) tile[d * 16 + u] = kr[d];
            } else {
                for (int64_t d = 0; d < D; ++d) tile[d * 16 + u] = 0.f;
            }
        }
    }
}

// Scores of R query rows (q rows D apart) against T packed tiles of 16 keys; s rows ld apart.
template <int R, int T>
void score_tile(const float* q, int64_t D, const float* kt, float* s, int64_t ld) {
    __m512 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    for (int64_t d = 0; d < D; ++d) {
        __m512 kv[T];
        for (int t = 0; t < T; ++t) kv[t] = _mm512_loadu_ps(kt + t * 16 * D + d * 16);
        for (int r = 0; r < R; ++r) {
            __m512 qv = _mm512_set1_ps(q[r * D + d]);
            for (int t = 0; t < T; ++t) acc[r][t] = _mm512_fmadd_ps(qv, kv[t], acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) _mm512_storeu_ps(s + r * ld + t * 16, acc[r][t]);
}

template <int R>
void score_rows(const float* q, int64_t D, const float* kt, int64_t tiles, float* s, int64_t ld) {
    int64_t t = 0;
    for (; t + 2 <= tiles; t += 2) score_tile<R, 2>(q, D, kt + t * 16 * D, s + t * 16, ld);
    if (t < tiles) score_tile<R, 1>(q, D, kt + t * 16 * D, s + t * 16, ld);
}

// exp(s - max) over s[0, n), zeros over [n, end); returns 1 / sum (0 when n is 0).
float softmax_unnormalized(float* s, int64_t n, int64_t end) {
    float inv = 0.f;
    if (n > 0) {
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int64_t j = 0; j < n; j += 16) {
            __mmask16 m = vec::tail_mask(n - j);
            vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, s + j));
        }
        float mx = vec::reduce_max(vmax);
        if (std::isinf(mx) && mx < 0) mx = 0;  // every score -inf: exp gives 0 and the sum 0, as the reference's NaN
        __m512 vm = _mm512_set1_ps(mx), sum = _mm512_setzero_ps();
        for (int64_t j = 0; j < n; j += 16) {
            __mmask16 m = vec::tail_mask(n - j);
            __m512 e = vec::exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), vm));
            sum = _mm512_mask_add_ps(sum, m, sum, e);
            _mm512_mask_storeu_ps(s + j, m, e);
        }
        inv = 1.f / vec::reduce_add(sum);
    }
    for (int64_t j = n; j < end; ++j) s[j] = 0.f;
    return inv;
}

// out rows = inv[r] * sum_j p[r][j] V_j for R rows, keys [0, n); V rows vs apart, columns
// contiguous; output rows ldo apart.
template <int R>
void combine_rows(const float* p, int64_t ld, const float* v, int64_t vs, int64_t n, int64_t Dv, const float* inv, float* o,
                  int64_t ldo) {
    for (int64_t c0 = 0; c0 < Dv; c0 += 64) {
        __mmask16 m[4];
        for (int u = 0; u < 4; ++u) m[u] = lanes(Dv - c0 - 16 * u);
        __m512 acc[R][4];
        for (int r = 0; r < R; ++r)
            for (int u = 0; u < 4; ++u) acc[r][u] = _mm512_setzero_ps();
        for (int64_t j = 0; j < n; ++j) {
            const float* vr = v + j * vs + c0;
            __m512 vv[4];
            for (int u = 0; u < 4; ++u) vv[u] = _mm512_maskz_loadu_ps(m[u], vr + 16 * u);
            for (int r = 0; r < R; ++r) {
                __m512 pv = _mm512_set1_ps(p[r * ld + j]);
                for (int u = 0; u < 4; ++u) acc[r][u] = _mm512_fmadd_ps(pv, vv[u], acc[r][u]);
            }
        }
        for (int r = 0; r < R; ++r) {
            __m512 iv = _mm512_set1_ps(inv[r]);
            for (int u = 0; u < 4; ++u) _mm512_mask_storeu_ps(o + r * ldo + c0 + 16 * u, m[u], _mm512_mul_ps(acc[r][u], iv));
        }
    }
}

// Query rows [r0, r1) of one head, k and v rows contiguous along D and Dv.
void head_avx512(const AttentionArgs& a, int64_t b, int64_t h, int64_t r0, int64_t r1) {
    Scratch& sc = scratch();
    const int64_t D = a.D, Dv = a.Dv;
    const float* qh = a.q + b * a.q_stride[0] + h * a.q_stride[1];
    const float* kh = a.k + b * a.k_stride[0] + h * a.k_stride[1];
    const float* vh = a.v + b * a.v_stride[0] + h * a.v_stride[1];
    float* oh = a.out + b * a.out_stride[0] + h * a.out_stride[1];
    const int64_t block = std::min(kRowBlock, r1 - r0);
    const int64_t ld = round_up(std::max<int64_t>(visible_keys(a, r1 - 1), 1), 16);
    const bool pack = r1 - r0 >= kPackMinRows;
    const bool direct_out = a.out_stride[3] == 1;
    sc.q.resize(size_t(block * D));
    sc.s.resize(size_t(block * ld));
    sc.inv.resize(size_t(block));
    if (pack) sc.kt.resize(size_t(ld * D));
    if (!direct_out) sc.o.resize(size_t(block * Dv));
    int64_t packed_tiles = 0;
    for (int64_t i0 = r0; i0 < r1; i0 += block) {
        const int64_t rows = std::min(block, r1 - i0);
        const int64_t kend = visible_keys(a, i0 + rows - 1);  // the most keys a row of the block sees
        for (int64_t r = 0; r < rows; ++r) {
            const float* qr = qh + (i0 + r) * a.q_stride[2];
            for (int64_t d = 0; d < D; ++d) sc.q[size_t(r * D + d)] = a.scale * qr[d * a.q_stride[3]];
        }
        float* s = sc.s.data();
        if (pack) {
            const int64_t tiles = (kend + 15) / 16;
            if (tiles > packed_tiles) pack_keys(kh, a.k_stride[2], a.Sk, D, packed_tiles, tiles, sc.kt.data());
            packed_tiles = std::max(packed_tiles, tiles);
            for (int64_t r = 0; r < rows; r += 4) {
                const float* q = sc.q.data() + r * D;
                switch (std::min<int64_t>(4, rows - r)) {
                    case 1: score_rows<1>(q, D, sc.kt.data(), tiles, s + r * ld, ld); break;
                    case 2: score_rows<2>(q, D, sc.kt.data(), tiles, s + r * ld, ld); break;
                    case 3: score_rows<3>(q, D, sc.kt.data(), tiles, s + r * ld, ld); break;
                    default: score_rows<4>(q, D, sc.kt.data(), tiles, s + r * ld, ld); break;
                }
            }
        } else {
            for (int64_t r = 0; r < rows; ++r) scores_dot(sc.q.data() + r * D, kh, a.k_stride[2], visible_keys(a, i0 + r), D, s + r * ld);
        }
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t n = visible_keys(a, i0 + r);
            apply_masks(a, b, h, i0 + r, s + r * ld, n);
            sc.inv[size_t(r)] = softmax_unnormalized(s + r * ld, n, kend);
        }
        float* o = direct_out ? oh + i0 * a.out_stride[2] : sc.o.data();
        const int64_t ldo = direct_out ? a.out_stride[2] : Dv;
        for (int64_t r = 0; r < rows; r += 4) {
            const int64_t R = std::min<int64_t>(4, rows - r);
            const int64_t n = visible_keys(a, i0 + r + R - 1);
            const float* p = s + r * ld;
            const float* inv = sc.inv.data() + r;
            switch (R) {
                case 1: combine_rows<1>(p, ld, vh, a.v_stride[2], n, Dv, inv, o + r * ldo, ldo); break;
                case 2: combine_rows<2>(p, ld, vh, a.v_stride[2], n, Dv, inv, o + r * ldo, ldo); break;
                case 3: combine_rows<3>(p, ld, vh, a.v_stride[2], n, Dv, inv, o + r * ldo, ldo); break;
                default: combine_rows<4>(p, ld, vh, a.v_stride[2], n, Dv, inv, o + r * ldo, ldo); break;
            }
        }
        if (!direct_out)
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t e = 0; e < Dv; ++e) oh[(i0 + r) * a.out_stride[2] + e * a.out_stride[3]] = sc.o[size_t(r * Dv + e)];
    }
}
#endif

}  // namespace

namespace scalar {
void attention(const AttentionArgs& a) {
    std::vector<float> s;
    for (int64_t b = 0; b < a.B; ++b)
        for (int64_t h = 0; h < a.H; ++h) head_plain(a, b, h, 0, a.Sq, s);
}
}  // namespace scalar

void attention(const AttentionArgs& a) {
    if (a.B <= 0 || a.H <= 0 || a.Sq <= 0 || a.Dv <= 0) return;
    const bool parallel = work(a) >= kParallelMin;
    // Work items are heads; with fewer than two heads per thread, heads split further into
    // chunks of query rows (each packs its own K), so that a batch of one head still spreads.
    const int64_t heads = a.B * a.H;
    int64_t chunks = 1;
    if (parallel && heads < 2 * num_threads())
        chunks = std::min<int64_t>((2 * num_threads() + heads - 1) / heads, (a.Sq + kRowBlock - 1) / kRowBlock);
    const int64_t chunk_rows = round_up((a.Sq + chunks - 1) / chunks, kRowBlock);
    auto rows = [&](int64_t w, int64_t& r0, int64_t& r1) {
        r0 = std::min(a.Sq, (w % chunks) * chunk_rows);
        r1 = std::min(a.Sq, r0 + chunk_rows);
    };
#ifdef __AVX512F__
    if (a.k_stride[3] == 1 && a.v_stride[3] == 1 && a.D > 0) {
        parallel_for(heads * chunks, parallel, [&](int64_t w) {
            int64_t r0, r1, bh = w / chunks;
            rows(w, r0, r1);
            if (r0 < r1) head_avx512(a, bh / a.H, bh % a.H, r0, r1);
        });
        return;
    }
#endif
    parallel_for(heads * chunks, parallel, [&](int64_t w) {
        thread_local std::vector<float> s;
        int64_t r0, r1, bh = w / chunks;
        rows(w, r0, r1);
        head_plain(a, bh / a.H, bh % a.H, r0, r1, s);
    });
}

}  // namespace frugal::kernels
