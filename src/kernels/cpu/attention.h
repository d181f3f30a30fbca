#pragma once
// Scaled dot-product attention in one pass per (batch, head): scores, scale, masks, softmax and
// the product with V, without a [B, H, Sq, Sk] tensor in memory. Every operand has explicit
// element strides over its canonical axes, so K and V may be read in place from a KV cache whose
// sequence axis has room for more positions than are filled ([B, H, capacity, D], the first Sk
// rows used), or in any transposed layout.
//   S = scale * Q K^T; S = where(bool_mask, S, mask_fill); S += add_mask; causal: query i sees
//   keys 0 .. past + i only; P = softmax over the keys; out = P V.
// Fast paths need the D axis of q and k and the Dv axis of v to have stride 1 (AVX-512; plain
// loops otherwise).
#include <array>
#include <cmath>
#include <cstdint>

namespace frugal::kernels {

using Strides4 = std::array<int64_t, 4>;

struct AttentionArgs {
    int64_t B = 1, H = 1, Sq = 0, Sk = 0, D = 0, Dv = 0;
    const float* q = nullptr;  // [b, h, query, d]
    Strides4 q_stride{};
    const float* k = nullptr;  // [b, h, key, d]
    Strides4 k_stride{};
    const float* v = nullptr;  // [b, h, key, dv]
    Strides4 v_stride{};
    float* out = nullptr;      // [b, h, query, dv]
    Strides4 out_stride{};
    float scale = 1.f;
    // Masks over [b, h, query, key]; a stride of 0 broadcasts that axis.
    const bool* bool_mask = nullptr;  // false: the score becomes mask_fill
    Strides4 bool_mask_stride{};
    float mask_fill = -INFINITY;
    const float* add_mask = nullptr;  // added to the score (after the bool mask)
    Strides4 add_mask_stride{};
    bool causal = false;
    int64_t past = 0;  // causal: keys before the first query (usually Sk - Sq)
};

void attention(const AttentionArgs& args);

namespace scalar {
void attention(const AttentionArgs& args);
}

}  // namespace frugal::kernels
