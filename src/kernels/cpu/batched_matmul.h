#pragma once
// Attention's matmuls, both operands activations: C[b] = alpha * A[b] @ B[b] (scores Q K^T with
// transposed_b, then P V). Leading dimensions and batch strides are explicit so that a KV cache
// with room for more positions than are filled ([heads, capacity, head_dim], reading the first
// t rows) is used in place; a batch stride of 0 broadcasts an operand.
#include <cstdint>

namespace frugal::kernels {

struct BatchedMatmulArgs {
    int64_t batch = 1, M = 0, N = 0, K = 0;
    const float* a = nullptr;  // A[b]: [M, K], rows lda apart
    int64_t lda = 0, stride_a = 0;
    const float* b = nullptr;  // B[b]: [K, N], or [N, K] with transposed_b; rows ldb apart
    int64_t ldb = 0, stride_b = 0;
    bool transposed_b = false;
    float* c = nullptr;  // C[b]: [M, N], rows ldc apart
    int64_t ldc = 0, stride_c = 0;
    float alpha = 1.f;
};

// Picks oneDNN (runtime dims) or the built-in tiles per call; see batched_matmul.cpp.
void batched_matmul(const BatchedMatmulArgs& args);
// The built-in kernel alone: AVX-512 tiles, or plain loops without AVX-512.
void batched_matmul_tiles(const BatchedMatmulArgs& args);

// Dense operands: a [batch, M, K], b [batch, K, N] (or [batch, N, K]), c [batch, M, N].
void batched_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
                    bool transposed_b, float alpha = 1.f);

namespace scalar {
// Picks oneDNN (runtime dims) or the built-in tiles per call; see batched_matmul.cpp.
void batched_matmul(const BatchedMatmulArgs& args);
// The built-in kernel alone: AVX-512 tiles, or plain loops without AVX-512.
void batched_matmul_tiles(const BatchedMatmulArgs& args);
}

}  // namespace frugal::kernels
