// layer_norm (AVX-512 and scalar) against the reference LayerNormalization over the last axis.
#include "kernel_test_util.h"
#include "kernels/cpu/layer_norm.h"

using namespace frugal;
using namespace frugal::kernel_test;

namespace {

void check(int64_t rows, int64_t n, float offset, bool with_params, bool use_scalar) {
    std::string what = "rows=" + std::to_string(rows) + " n=" + std::to_string(n) + " offset=" + std::to_string(offset) +
                       " params=" + std::to_string(with_params) + " scalar=" + std::to_string(use_scalar);
    const float eps = 1e-5f;
    Tensor x = random_tensor({rows, n}, offset - 2.f, offset + 2.f);
    Tensor gamma = with_params ? random_tensor({n}, 0.5f, 1.5f) : Tensor::from_vector<float>({n}, std::vector<float>(size_t(n), 1.f));
    Tensor beta = with_params ? random_tensor({n}) : Tensor::empty(DType::f32, {n});
    std::vector<float> y(size_t(rows * n), NAN);
    const float* g = with_params ? gamma.data<float>() : nullptr;
    const float* b = with_params ? beta.data<float>() : nullptr;
    if (use_scalar) kernels::scalar::layer_norm(x.data<float>(), g, b, y.data(), rows, n, eps);
    else kernels::layer_norm(x.data<float>(), g, b, y.data(), rows, n, eps);
    Attributes a;
    a.set("axis", int64_t(-1));
    a.set("epsilon", eps);
    Tensor want = reference(OpKind::LayerNormalization, {&x, &gamma, &beta}, a);
    // Outputs are O(1); an offset of 100 costs the float input its low bits, not the kernel.
    expect_close(y.data(), want, 1e-5, offset == 0 ? 1e-5 : 1e-4, what);
}

}  // namespace

TEST(KernelsLayerNorm, RandomShapes) {
    const int64_t shapes[][2] = {{1, 1}, {1, 16}, {3, 17}, {5, 768}, {2, 1024}, {7, 1023}, {33, 100}, {4, 5}};
    for (auto& s : shapes)
        for (bool params : {true, false}) check(s[0], s[1], 0.f, params, false);
    for (int i = 0; i < 8; ++i) check(random_int(1, 40), random_int(1, 1100), 0.f, true, false);
}

TEST(KernelsLayerNorm, LargeCommonOffset) {
    check(6, 1024, 100.f, true, false);
    check(6, 1024, 100.f, true, true);
}

TEST(KernelsLayerNorm, ScalarPathMatches) {
    for (int i = 0; i < 6; ++i) check(random_int(1, 9), random_int(1, 300), 0.f, i % 2 == 0, true);
}

TEST(KernelsLayerNorm, InPlace) {
    Tensor x = random_tensor({4, 50});
    Tensor gamma = random_tensor({50});
    Tensor beta = random_tensor({50});
    Attributes a;
    a.set("epsilon", 1e-5f);
    Tensor want = reference(OpKind::LayerNormalization, {&x, &gamma, &beta}, a);
    std::vector<float> buf = to_vector(x);
    kernels::layer_norm(buf.data(), gamma.data<float>(), beta.data<float>(), buf.data(), 4, 50, 1e-5f);
    expect_close(buf.data(), want, 1e-5, 1e-5, "in place");
}
