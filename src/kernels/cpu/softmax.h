#pragma once
// Softmax over the last axis of x [rows, n], of scale * x, with an optional causal mask for
// attention scores: rows come in blocks of `block_rows` query positions (one block per batch and
// head), and row i of a block sees keys 0 .. past + i; the keys it does not see get probability 0.
// y may be x.
#include <cstdint>

namespace frugal::kernels {

struct SoftmaxOptions {
    float scale = 1.f;
    bool causal = false;
    int64_t past = 0;        // keys before the first query of the block (the KV cache length)
    int64_t block_rows = 0;  // query rows per block; 0 means all rows are one block
};

void softmax(const float* x, float* y, int64_t rows, int64_t n, const SoftmaxOptions& options = {});

namespace scalar {
void softmax(const float* x, float* y, int64_t rows, int64_t n, const SoftmaxOptions& options = {});
}

}  // namespace frugal::kernels
