#pragma once
// Shared by the test_kernels_*.cpp files: every optimized kernel is checked against the reference
// op (src/ops, through evaluate_node) on random inputs of random, often odd, shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ops/op_table.h"

namespace frugal::kernel_test {

inline Node make_node(OpKind op, int64_t opset = 17, Attributes attrs = {}) {
    return Node{.name = "ref", .op = op, .opset = opset, .inputs = {}, .outputs = {}, .attrs = std::move(attrs), .dead = false};
}

inline Tensor reference(const Node& n, std::vector<const Tensor*> inputs) {
    std::vector<Tensor> out(1);
    evaluate_node(n, inputs, out);
    return out[0];
}

inline Tensor reference(OpKind op, std::vector<const Tensor*> inputs, Attributes attrs = {}, int64_t opset = 17) {
    return reference(make_node(op, opset, std::move(attrs)), std::move(inputs));
}

inline std::mt19937& rng() {
    static std::mt19937 g(20240611);
    return g;
}

inline int64_t random_int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng()); }

inline Tensor random_tensor(const Shape& s, float lo = -1.f, float hi = 1.f) {
    Tensor t = Tensor::empty(DType::f32, s);
    std::uniform_real_distribution<float> d(lo, hi);
    float* p = t.mutable_data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = d(rng());
    return t;
}

inline std::vector<float> to_vector(const Tensor& t) {
    const float* p = t.data<float>();
    return std::vector<float>(p, p + t.numel());
}

// |got - want| <= rtol * |want| + atol, elementwise; reports the first few misses.
inline void expect_close(const float* got, const Tensor& want, double rtol, double atol, const std::string& what) {
    ASSERT_EQ(want.dtype, DType::f32) << what;
    const float* w = want.data<float>();
    int misses = 0;
    for (int64_t i = 0; i < want.numel(); ++i) {
        double g = got[i], r = w[i];
        bool ok = std::isnan(r) ? std::isnan(g) : std::fabs(g - r) <= rtol * std::fabs(r) + atol;
        if (!ok && misses++ < 5) ADD_FAILURE() << what << ": element " << i << " is " << g << ", want " << r;
    }
    EXPECT_EQ(misses, 0) << what << ": " << misses << " of " << want.numel() << " elements differ";
}

inline std::string shape_name(const Shape& s) { return shape_to_string(s); }

}  // namespace frugal::kernel_test
