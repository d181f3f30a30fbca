// Unary elementwise math. Transcendental functions compute in double and round once to the
// element type, which makes the reference at least as accurate as any kernel it checks.
#include <cmath>
#include <numbers>
#include <string>

#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

namespace {

enum class Accepts { floats, numbers };

void infer_unary(std::span<const ValueType> inputs, std::span<ValueType> outputs, Accepts accepts) {
    const ValueType& x = require_input(inputs, 0);
    if (accepts == Accepts::floats) require_float(x.dtype, "input X");
    else require_numeric(x.dtype, "input X");
    outputs[0].dtype = x.dtype;
    outputs[0].shape = x.shape;
}

// y = fn(x) computed in double; integer inputs (where allowed) truncate the result back.
Tensor unary_real(std::span<const Tensor* const> inputs, Accepts accepts, double (*fn)(double)) {
    const Tensor& x = require_input(inputs, 0);
    if (accepts == Accepts::floats) require_float(x.dtype, "input X");
    else require_numeric(x.dtype, "input X");
    Tensor out = Tensor::empty(x.dtype, x.shape);
    visit_dtype(x.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
            const T* px = x.data<T>();
            T* po = out.mutable_data<T>();
            for (int64_t i = 0; i < x.numel(); ++i) po[i] = convert_value<T>(fn(double(load(px[i]))));
        }
    });
    return out;
}

// y = op(x) in the compute type of x (float for f16/bf16, the type itself otherwise).
template <class Op>
Tensor unary_calc(std::span<const Tensor* const> inputs, Accepts accepts, Op op) {
    const Tensor& x = require_input(inputs, 0);
    if (accepts == Accepts::floats) require_float(x.dtype, "input X");
    else require_numeric(x.dtype, "input X");
    Tensor out = Tensor::empty(x.dtype, x.shape);
    visit_dtype(x.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
            const T* px = x.data<T>();
            T* po = out.mutable_data<T>();
            for (int64_t i = 0; i < x.numel(); ++i) po[i] = store<T>(op(load(px[i])));
        }
    });
    return out;
}

// -x with two's complement wraparound for integers (-INT_MIN is INT_MIN, as numpy).
template <class C>
C negate(C x) {
    if constexpr (std::is_integral_v<C>) return static_cast<C>(uint64_t(0) - uint64_t(x));
    else return -x;
}

template <class C>
bool is_negative(C x) {
    if constexpr (std::is_unsigned_v<C>) return false;
    else return x < 0;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double sqrt_(double x) { return std::sqrt(x); }
double exp_(double x) { return std::exp(x); }
double log_(double x) { return std::log(x); }
double tanh_(double x) { return std::tanh(x); }
double erf_(double x) { return std::erf(x); }
double floor_(double x) { return std::floor(x); }
double ceil_(double x) { return std::ceil(x); }
double sin_(double x) { return std::sin(x); }
double cos_(double x) { return std::cos(x); }
double gelu_exact(double x) { return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2)); }
double gelu_tanh(double x) {
    const double k = std::sqrt(2.0 / std::numbers::pi);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

// Gelu (opset 20): approximate is "none" (the erf form) or "tanh".
bool gelu_uses_tanh(const Node& node) {
    std::string approximate = node.attrs.get_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh")
        fail("attribute approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    return approximate == "tanh";
}

}  // namespace

// Ops whose result is fn(x) computed in double. Erf-13 accepts integer types too.
void infer_sqrt(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_sqrt(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, sqrt_);
}

void infer_exp(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_exp(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, exp_);
}

void infer_log(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_log(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, log_);
}

void infer_tanh(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_tanh(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, tanh_);
}

void infer_sigmoid(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_sigmoid(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, sigmoid);
}

void infer_floor(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_floor(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, floor_);
}

void infer_ceil(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_ceil(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, ceil_);
}

void infer_sin(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_sin(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, sin_);
}

void infer_cos(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_cos(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, cos_);
}

void infer_erf(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::numbers);
}
void evaluate_erf(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::numbers, erf_);
}

void infer_reciprocal(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::floats);
}
// In the compute type: one correctly rounded division, as numpy does.
void evaluate_reciprocal(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_calc(inputs, Accepts::floats, []<class C>(C x) -> C { return C(1) / x; });
}

void infer_neg(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::numbers);
}
void evaluate_neg(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_calc(inputs, Accepts::numbers, []<class C>(C x) -> C { return negate(x); });
}

void infer_abs(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::numbers);
}
void evaluate_abs(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_calc(inputs, Accepts::numbers, []<class C>(C x) -> C {
        if constexpr (std::is_floating_point_v<C>) return std::fabs(x);
        else return is_negative(x) ? negate(x) : x;
    });
}

void infer_sign(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::numbers);
}
// NaN stays NaN and zero stays zero (numpy.sign).
void evaluate_sign(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_calc(inputs, Accepts::numbers, []<class C>(C x) -> C {
        if (x > C(0)) return C(1);
        if (is_negative(x)) return C(-1);
        return x;
    });
}

void infer_relu(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_unary(inputs, outputs, Accepts::numbers);
}
// NaN stays NaN (numpy.maximum(x, 0)).
void evaluate_relu(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_calc(inputs, Accepts::numbers, []<class C>(C x) -> C { return is_negative(x) ? C(0) : x; });
}

void infer_gelu(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    gelu_uses_tanh(node);
    infer_unary(inputs, outputs, Accepts::floats);
}
void evaluate_gelu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = unary_real(inputs, Accepts::floats, gelu_uses_tanh(node) ? gelu_tanh : gelu_exact);
}

}  // namespace frugal::ops
