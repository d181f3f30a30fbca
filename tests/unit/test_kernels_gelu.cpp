// gelu (both forms, AVX-512 and scalar) against the reference Gelu-20 (computed in double).
#include "kernel_test_util.h"
#include "kernels/cpu/gelu.h"

using namespace frugal;
using namespace frugal::kernel_test;
using frugal::kernels::GeluForm;

namespace {

Tensor reference_gelu(const Tensor& x, GeluForm form) {
    Attributes a;
    a.set("approximate", std::string(form == GeluForm::tanh ? "tanh" : "none"));
    return reference(OpKind::Gelu, {&x}, a, 20);
}

void check(int64_t n, float lo, float hi, GeluForm form, double rtol, double atol, bool use_scalar) {
    std::string what = "n=" + std::to_string(n) + " range=[" + std::to_string(lo) + "," + std::to_string(hi) +
                       "] form=" + (form == GeluForm::tanh ? "tanh" : "erf") + " scalar=" + std::to_string(use_scalar);
    Tensor x = random_tensor({n}, lo, hi);
    std::vector<float> y(size_t(n), NAN);
    if (use_scalar) kernels::scalar::gelu(x.data<float>(), y.data(), n, form);
    else kernels::gelu(x.data<float>(), y.data(), n, form);
    expect_close(y.data(), reference_gelu(x, form), rtol, atol, what);
}

}  // namespace

TEST(KernelsGelu, TypicalRange) {
    for (GeluForm f : {GeluForm::tanh, GeluForm::erf}) {
        for (int64_t n : {1, 15, 16, 17, 1000, 4097, 70001}) check(n, -6.f, 6.f, f, 1e-5, 1e-7, false);
        check(333, -6.f, 6.f, f, 1e-5, 1e-7, true);
    }
}

// Far tails: the reference itself (0.5 x (1 + tanh) in double) is exact only down to about
// |gelu| ~ 1e-10, so values below that are compared absolutely.
TEST(KernelsGelu, ExtremeRange) {
    for (GeluForm f : {GeluForm::tanh, GeluForm::erf}) {
        check(5000, -20.f, 20.f, f, 1e-4, 1e-9, false);
        check(5000, -9.f, -3.f, f, 1e-4, 1e-9, false);
        check(5000, 3.f, 1000.f, f, 1e-5, 0, false);
        check(999, -20.f, 20.f, f, 1e-4, 1e-9, true);
    }
}

TEST(KernelsGelu, InPlace) {
    Tensor x = random_tensor({100}, -5.f, 5.f);
    std::vector<float> buf = to_vector(x);
    kernels::gelu_in_place(buf.data(), 100, GeluForm::tanh);
    expect_close(buf.data(), reference_gelu(x, GeluForm::tanh), 1e-5, 1e-7, "in place");
}
