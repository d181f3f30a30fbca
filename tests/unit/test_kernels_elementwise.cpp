// add, add_bias and mul_scalar (AVX-512 and scalar) against the reference Add and Mul. A float
// sum or product rounded once is what the reference's double result rounds to, so they are exact.
#include "kernel_test_util.h"
#include "kernels/cpu/elementwise.h"

using namespace frugal;
using namespace frugal::kernel_test;

TEST(KernelsElementwise, AddSameShape) {
    for (int64_t n : {1, 15, 16, 17, 1000, 40001, 100003}) {
        Tensor a = random_tensor({n}), b = random_tensor({n});
        std::vector<float> y(static_cast<size_t>(n)), ys(static_cast<size_t>(n));
        kernels::add(a.data<float>(), b.data<float>(), y.data(), n);
        kernels::scalar::add(a.data<float>(), b.data<float>(), ys.data(), n);
        Tensor want = reference(OpKind::Add, {&a, &b});
        expect_close(y.data(), want, 0, 0, "add n=" + std::to_string(n));
        expect_close(ys.data(), want, 0, 0, "scalar add n=" + std::to_string(n));
    }
}

TEST(KernelsElementwise, AddBiasBroadcasts) {
    for (int i = 0; i < 8; ++i) {
        int64_t rows = random_int(1, 70), n = random_int(1, 3000);
        Tensor x = random_tensor({rows, n}), bias = random_tensor({n});
        std::vector<float> y(size_t(rows * n)), ys(size_t(rows * n));
        kernels::add_bias(x.data<float>(), bias.data<float>(), y.data(), rows, n);
        kernels::scalar::add_bias(x.data<float>(), bias.data<float>(), ys.data(), rows, n);
        Tensor want = reference(OpKind::Add, {&x, &bias});
        std::string what = "rows=" + std::to_string(rows) + " n=" + std::to_string(n);
        expect_close(y.data(), want, 0, 0, what);
        expect_close(ys.data(), want, 0, 0, "scalar " + what);
    }
}

TEST(KernelsElementwise, MulScalarAndInPlace) {
    for (int64_t n : {1, 17, 33000, 65537}) {
        Tensor x = random_tensor({n});
        Tensor s = Tensor::scalar<float>(0.37f);
        Tensor want = reference(OpKind::Mul, {&x, &s});
        std::vector<float> buf = to_vector(x), ys(static_cast<size_t>(n));
        kernels::mul_scalar(buf.data(), 0.37f, buf.data(), n);
        kernels::scalar::mul_scalar(x.data<float>(), 0.37f, ys.data(), n);
        expect_close(buf.data(), want, 0, 0, "mul n=" + std::to_string(n));
        expect_close(ys.data(), want, 0, 0, "scalar mul n=" + std::to_string(n));
    }
}
