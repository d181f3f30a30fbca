// transpose_0213 and the general transpose against the reference Transpose, over random ranks,
// permutations and element sizes (with size-1 dims, which the kernel drops and merges around).
#include <algorithm>
#include <cstring>

#include "ir/error.h"
#include "kernel_test_util.h"
#include "kernels/cpu/transpose.h"

using namespace frugal;
using namespace frugal::kernel_test;

namespace {

Tensor reference_transpose(const Tensor& x, const std::vector<int64_t>& perm) {
    Attributes a;
    a.set("perm", perm);
    return reference(OpKind::Transpose, {&x}, a);
}

// Random bytes of any dtype, so that every bit pattern must move.
Tensor random_bytes(DType t, const Shape& s) {
    Tensor x = Tensor::empty(t, s);
    std::byte* p = x.mutable_raw();
    for (size_t i = 0; i < x.nbytes(); ++i) p[i] = std::byte(random_int(0, 255));
    return x;
}

}  // namespace

TEST(KernelsTranspose, HeadSplitAndMerge) {
    const int64_t shapes[][4] = {{1, 7, 12, 64}, {2, 5, 3, 17}, {1, 1, 16, 64}, {3, 33, 2, 1}};
    for (auto& s : shapes) {
        Tensor x = random_tensor({s[0], s[1], s[2], s[3]});
        std::vector<float> y(size_t(x.numel()));
        kernels::transpose_0213(x.data<float>(), y.data(), s[0], s[1], s[2], s[3]);
        Tensor want = reference_transpose(x, {0, 2, 1, 3});
        expect_close(y.data(), want, 0, 0, "0213 " + shape_to_string(x.shape));
        // And back: 0213 is its own inverse.
        std::vector<float> back(y.size());
        kernels::transpose_0213(y.data(), back.data(), s[0], s[2], s[1], s[3]);
        expect_close(back.data(), x, 0, 0, "0213 round trip");
    }
}

TEST(KernelsTranspose, GeneralPermutations) {
    const DType types[] = {DType::f32, DType::f16, DType::i64, DType::u8};
    for (int i = 0; i < 40; ++i) {
        int64_t rank = random_int(1, 5);
        Shape shape;
        for (int64_t d = 0; d < rank; ++d) shape.push_back(random_int(0, 3) == 0 ? 1 : random_int(1, 9));
        std::vector<int64_t> perm(static_cast<size_t>(rank));
        for (int64_t d = 0; d < rank; ++d) perm[size_t(d)] = d;
        std::shuffle(perm.begin(), perm.end(), rng());
        DType t = types[i % 4];
        Tensor x = random_bytes(t, shape);
        Tensor y = Tensor::empty(t, shape);  // right byte count; its shape is not used
        kernels::transpose(x.raw(), y.mutable_raw(), shape, perm, dtype_size(t));
        Tensor want = reference_transpose(x, perm);
        std::string what = std::string(dtype_name(t)) + " " + shape_to_string(shape) + " perm " + std::to_string(i);
        EXPECT_EQ(std::memcmp(y.raw(), want.raw(), want.nbytes()), 0) << what;
    }
}

TEST(KernelsTranspose, LargeParallelCopy) {
    Tensor x = random_tensor({4, 64, 16, 64});
    std::vector<float> y(size_t(x.numel()));
    std::vector<int64_t> perm = {2, 0, 3, 1};
    kernels::transpose(x.raw(), y.data(), x.shape, perm, 4);
    expect_close(y.data(), reference_transpose(x, perm), 0, 0, "2031");
}

TEST(KernelsTranspose, BadPermutationThrows) {
    std::vector<float> x(6), y(6);
    std::vector<int64_t> dup = {0, 0}, short_perm = {1}, out_of_range = {0, 2};
    EXPECT_THROW(kernels::transpose(x.data(), y.data(), {2, 3}, dup, 4), Error);
    EXPECT_THROW(kernels::transpose(x.data(), y.data(), {2, 3}, short_perm, 4), Error);
    EXPECT_THROW(kernels::transpose(x.data(), y.data(), {2, 3}, out_of_range, 4), Error);
    std::vector<int64_t> ok = {1, 0};
    EXPECT_THROW(kernels::transpose(x.data(), y.data(), {2, 3}, ok, 3), Error);
}
