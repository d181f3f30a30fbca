// batched_matmul (AVX-512 tiles and the scalar path) against the reference MatMul, including
// transposed B, alpha, odd sizes and a KV cache read in place through ldb and batch strides.
#include <algorithm>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/cpu/batched_matmul.h"

using namespace frugal;
using namespace frugal::kernel_test;
using frugal::kernels::BatchedMatmulArgs;

namespace {

Tensor reference_batched(const Tensor& a, const Tensor& b, bool transposed_b, float alpha) {
    Tensor bb = b;
    if (transposed_b) {
        Attributes perm;
        perm.set("perm", std::vector<int64_t>{0, 2, 1});
        bb = reference(OpKind::Transpose, {&b}, perm);
    }
    Tensor y = reference(OpKind::MatMul, {&a, &bb});
    Tensor s = Tensor::scalar<float>(alpha);
    return alpha == 1.f ? y : reference(OpKind::Mul, {&y, &s});
}

enum class Path { dispatch, tiles, scalar };

void check(int64_t batch, int64_t M, int64_t N, int64_t K, bool transposed_b, float alpha, Path path) {
    std::string what = "batch=" + std::to_string(batch) + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
                       " K=" + std::to_string(K) + " transposed=" + std::to_string(transposed_b) +
                       " path=" + std::to_string(int(path));
    Tensor a = random_tensor({batch, M, K});
    Tensor b = random_tensor(transposed_b ? Shape{batch, N, K} : Shape{batch, K, N});
    std::vector<float> c(size_t(batch * M * N), NAN);
    if (path != Path::dispatch) {
        BatchedMatmulArgs p{.batch = batch, .M = M, .N = N, .K = K, .a = a.data<float>(), .lda = K, .stride_a = M * K,
                            .b = b.data<float>(), .ldb = transposed_b ? K : N, .stride_b = K * N,
                            .transposed_b = transposed_b, .c = c.data(), .ldc = N, .stride_c = M * N, .alpha = alpha};
        if (path == Path::scalar) kernels::scalar::batched_matmul(p);
        else kernels::batched_matmul_tiles(p);
    } else {
        kernels::batched_matmul(a.data<float>(), b.data<float>(), c.data(), batch, M, N, K, transposed_b, alpha);
    }
    expect_close(c.data(), reference_batched(a, b, transposed_b, alpha), 1e-5, 1e-5 * std::sqrt(double(K) + 1), what);
}

}  // namespace

TEST(KernelsBatchedMatmul, RandomShapes) {
    const int64_t shapes[][4] = {{1, 1, 1, 1},  {16, 1, 37, 64}, {12, 1, 64, 37}, {3, 5, 70, 64},
                                 {2, 7, 129, 17}, {4, 33, 33, 64}, {1, 4, 64, 1},  {2, 9, 200, 0}};
    for (Path path : {Path::dispatch, Path::tiles}) {
        for (auto& s : shapes)
            for (bool t : {false, true}) check(s[0], s[1], s[2], s[3], t, 1.f, path);
        for (int i = 0; i < 10; ++i)
            check(random_int(1, 6), random_int(1, 20), random_int(1, 150), random_int(1, 130), random_int(0, 1) == 1,
                  random_int(0, 1) ? 1.f : 0.125f, path);
    }
}

TEST(KernelsBatchedMatmul, ScalarPathMatches) {
    for (int i = 0; i < 6; ++i)
        check(random_int(1, 4), random_int(1, 9), random_int(1, 70), random_int(1, 70), i % 2 == 1, 0.5f, Path::scalar);
}

// Scores against a KV cache with room for `capacity` positions of which `t` are filled:
// B[h] is rows [0, t) of cache[h] ([capacity, d]), read in place.
TEST(KernelsBatchedMatmul, ReadsAKvCacheInPlace) {
    const int64_t heads = 5, q = 3, d = 24, capacity = 50, t = 19;
    Tensor query = random_tensor({heads, q, d});
    Tensor cache = random_tensor({heads, capacity, d});
    Tensor keys = Tensor::empty(DType::f32, {heads, t, d});
    for (int64_t h = 0; h < heads; ++h)
        std::memcpy(keys.mutable_data<float>() + h * t * d, cache.data<float>() + h * capacity * d, size_t(t * d) * 4);
    // C with a row stride wider than t, as a scores buffer sized for the full capacity.
    std::vector<float> c(size_t(heads * q * capacity), NAN);
    BatchedMatmulArgs p{.batch = heads, .M = q, .N = t, .K = d, .a = query.data<float>(), .lda = d, .stride_a = q * d,
                        .b = cache.data<float>(), .ldb = d, .stride_b = capacity * d, .transposed_b = true,
                        .c = c.data(), .ldc = capacity, .stride_c = q * capacity, .alpha = 0.25f};
    kernels::batched_matmul(p);
    Tensor want = reference_batched(query, keys, true, 0.25f);
    std::vector<float> c_tiles = c;
    std::fill(c_tiles.begin(), c_tiles.end(), NAN);
    p.c = c_tiles.data();
    kernels::batched_matmul_tiles(p);
    std::vector<float> got;
    for (int64_t r = 0; r < heads * q; ++r) got.insert(got.end(), c.begin() + r * capacity, c.begin() + r * capacity + t);
    expect_close(got.data(), want, 1e-5, 1e-5, "kv cache");
    got.clear();
    for (int64_t r = 0; r < heads * q; ++r)
        got.insert(got.end(), c_tiles.begin() + r * capacity, c_tiles.begin() + r * capacity + t);
    expect_close(got.data(), want, 1e-5, 1e-5, "kv cache, tiles");
    // Columns past t were not written.
    EXPECT_TRUE(std::isnan(c[size_t(t)]));
    EXPECT_TRUE(std::isnan(c_tiles[size_t(t)]));
}

// A batch stride of 0 broadcasts the operand (one B for every batch).
TEST(KernelsBatchedMatmul, ZeroStrideBroadcasts) {
    const int64_t batch = 3, M = 2, N = 20, K = 9;
    Tensor a = random_tensor({batch, M, K});
    Tensor b = random_tensor({K, N});
    std::vector<float> c(size_t(batch * M * N));
    BatchedMatmulArgs p{.batch = batch, .M = M, .N = N, .K = K, .a = a.data<float>(), .lda = K, .stride_a = M * K,
                        .b = b.data<float>(), .ldb = N, .stride_b = 0, .transposed_b = false,
                        .c = c.data(), .ldc = N, .stride_c = M * N, .alpha = 1.f};
    kernels::batched_matmul(p);
    expect_close(c.data(), reference(OpKind::MatMul, {&a, &b}), 1e-5, 1e-5, "broadcast");
}
