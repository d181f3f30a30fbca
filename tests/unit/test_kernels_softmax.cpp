// softmax (AVX-512 and scalar) against the reference Softmax over the last axis, with a scale and
// a causal mask (the reference sees masked keys as -inf).
#include <limits>

#include "kernel_test_util.h"
#include "kernels/cpu/softmax.h"

using namespace frugal;
using namespace frugal::kernel_test;
using frugal::kernels::SoftmaxOptions;

namespace {

// The reference's input: scale * x, with keys a row does not see set to -inf.
Tensor reference_softmax(const Tensor& x, int64_t rows, int64_t n, const SoftmaxOptions& o) {
    Tensor masked = Tensor::empty(DType::f32, x.shape);
    float* m = masked.mutable_data<float>();
    const float* p = x.data<float>();
    for (int64_t r = 0; r < rows; ++r) {
        int64_t i = o.block_rows > 0 ? r % o.block_rows : r;
        for (int64_t j = 0; j < n; ++j)
            m[r * n + j] = o.causal && j > o.past + i ? -std::numeric_limits<float>::infinity() : p[r * n + j] * o.scale;
    }
    return reference(OpKind::Softmax, {&masked}, {}, 13);
}

void check(int64_t rows, int64_t n, SoftmaxOptions o, float range, bool use_scalar) {
    std::string what = "rows=" + std::to_string(rows) + " n=" + std::to_string(n) + " scale=" + std::to_string(o.scale) +
                       " causal=" + std::to_string(o.causal) + " past=" + std::to_string(o.past) +
                       " block=" + std::to_string(o.block_rows) + " range=" + std::to_string(range);
    Tensor x = random_tensor({rows, n}, -range, range);
    std::vector<float> y(size_t(rows * n), NAN);
    if (use_scalar) kernels::scalar::softmax(x.data<float>(), y.data(), rows, n, o);
    else kernels::softmax(x.data<float>(), y.data(), rows, n, o);
    // Probabilities: relative accuracy where they are not negligible against the row's sum of 1.
    expect_close(y.data(), reference_softmax(x, rows, n, o), range > 10 ? 1e-4 : 1e-5, 1e-7, what);
}

}  // namespace

TEST(KernelsSoftmax, RandomShapes) {
    const int64_t shapes[][2] = {{1, 1}, {1, 16}, {3, 17}, {5, 1024}, {7, 1023}, {33, 100}, {4, 5}, {2, 50257}};
    for (auto& s : shapes) check(s[0], s[1], {}, 4.f, false);
    for (int i = 0; i < 8; ++i) check(random_int(1, 40), random_int(1, 700), {.scale = 0.125f}, 8.f, false);
}

TEST(KernelsSoftmax, ExtremeRange) {
    check(9, 301, {}, 80.f, false);
    check(9, 301, {.scale = 2.f}, 50.f, false);
    check(3, 77, {}, 80.f, true);
}

TEST(KernelsSoftmax, CausalMask) {
    // Prefill: q = k, no past; two heads of 13 queries each.
    check(26, 13, {.scale = 0.125f, .causal = true, .past = 0, .block_rows = 13}, 5.f, false);
    // Decode with a cache: one query sees all past + 1 keys.
    check(16, 40, {.scale = 0.125f, .causal = true, .past = 39, .block_rows = 1}, 5.f, false);
    // A chunk of 5 queries after 20 cached keys, keys allocated for 31 positions.
    check(15, 31, {.scale = 1.f, .causal = true, .past = 20, .block_rows = 5}, 5.f, false);
    check(15, 31, {.scale = 1.f, .causal = true, .past = 20, .block_rows = 5}, 5.f, true);
    // Odd lengths across the 16-lane boundary.
    for (int i = 0; i < 5; ++i) {
        int64_t q = random_int(1, 20), past = random_int(0, 40);
        check(q * random_int(1, 3), q + past + random_int(0, 5), {.scale = 0.3f, .causal = true, .past = past, .block_rows = q},
              6.f, false);
    }
}

TEST(KernelsSoftmax, MaskedKeysAreZeroAndInPlaceWorks) {
    const int64_t n = 20;
    Tensor x = random_tensor({3, n});
    std::vector<float> buf = to_vector(x);
    SoftmaxOptions o{.scale = 1.f, .causal = true, .past = 2, .block_rows = 3};
    kernels::softmax(buf.data(), buf.data(), 3, n, o);
    expect_close(buf.data(), reference_softmax(x, 3, n, o), 1e-5, 1e-7, "in place");
    for (int64_t j = 3; j < n; ++j) EXPECT_EQ(buf[size_t(j)], 0.f);
}
