// Add, Sub, Mul, Div, Mod and Pow with numpy broadcasting. Integer arithmetic wraps around (two's
// complement, as numpy and onnxruntime do); it goes through uint64_t because signed overflow is
// undefined in C++.
#include <cmath>
#include <string>

#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

namespace {

void infer_arithmetic(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    require_numeric(a.dtype, "input A");
    require_same_dtype(a.dtype, b.dtype, "input A", "input B");
    outputs[0].dtype = a.dtype;
    outputs[0].shape = broadcast_partial(a.shape, b.shape);
}

// Runs op(x, y) on the compute type of the inputs' element type (float for f16/bf16) over the
// broadcast of both shapes. op is a template lambda so one body serves every type.
template <class Op>
Tensor arithmetic(std::span<const Tensor* const> inputs, Op op) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    require_numeric(a.dtype, "input A");
    require_same_dtype(a.dtype, b.dtype, "input A", "input B");
    Tensor out = Tensor::empty(a.dtype, broadcast_shapes(a.shape, b.shape));
    visit_dtype(a.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
            const T* pa = a.data<T>();
            const T* pb = b.data<T>();
            T* po = out.mutable_data<T>();
            for_each_broadcast(out.shape, a.shape, b.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                po[i] = store<T>(op(load(pa[ia]), load(pb[ib])));
            });
        }
    });
    return out;
}

template <class C>
C wrap(uint64_t v) {
    return static_cast<C>(v);  // modular since C++20
}

// Python's rule: the remainder takes the divisor's sign.
template <class C>
C int_mod(C x, C y) {
    if (y == 0) fail("integer modulo by zero");
    if constexpr (std::is_signed_v<C>) {
        if (y == -1) return 0;  // x % -1 overflows for the minimum value
        C r = C(x % y);
        if (r != 0 && ((r < 0) != (y < 0))) r = C(r + y);
        return r;
    } else {
        return C(x % y);
    }
}

// C's rule: the remainder takes the dividend's sign.
template <class C>
C int_fmod(C x, C y) {
    if (y == 0) fail("integer modulo by zero");
    if constexpr (std::is_signed_v<C>) {
        if (y == -1) return 0;
    }
    return C(x % y);
}

// Python's rule for floats (numpy.mod): fmod, then move a remainder of the wrong sign by y.
template <class C>
C float_mod(C x, C y) {
    C r = std::fmod(x, y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return r;
}

// Integer power by squaring with wraparound; a negative exponent gives what truncating the real
// result does (1 for base 1, +-1 for base -1, else 0).
template <class T, class E>
T int_pow(T base, E exp) {
    if constexpr (std::is_signed_v<E>) {
        if (exp < 0) {
            if (base == 1) return 1;
            if constexpr (std::is_signed_v<T>) {
                if (base == -1) return (exp % 2) ? T(-1) : T(1);
            }
            return 0;
        }
    }
    uint64_t result = 1, b = uint64_t(base);
    for (uint64_t e = uint64_t(exp); e; e >>= 1) {
        if (e & 1) result *= b;
        b *= b;
    }
    return static_cast<T>(result);
}

}  // namespace

void infer_add(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_arithmetic(inputs, outputs);
}
void infer_sub(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_arithmetic(inputs, outputs);
}
void infer_mul(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_arithmetic(inputs, outputs);
}
void infer_div(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_arithmetic(inputs, outputs);
}

void evaluate_add(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
        if constexpr (std::is_integral_v<C>) return wrap<C>(uint64_t(x) + uint64_t(y));
        else return x + y;
    });
}

void evaluate_sub(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
        if constexpr (std::is_integral_v<C>) return wrap<C>(uint64_t(x) - uint64_t(y));
        else return x - y;
    });
}

void evaluate_mul(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
        if constexpr (std::is_integral_v<C>) return wrap<C>(uint64_t(x) * uint64_t(y));
        else return x * y;
    });
}

// Integer division truncates toward zero (C, and the ONNX reference's true-divide-then-cast).
void evaluate_div(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
        if constexpr (std::is_integral_v<C>) {
            if (y == 0) fail("integer division by zero");
            if constexpr (std::is_signed_v<C>) {
                if (y == -1) return wrap<C>(uint64_t(0) - uint64_t(x));  // min / -1 wraps to min
            }
            return C(x / y);
        } else {
            return x / y;
        }
    });
}

// fmod=0 (default) takes the divisor's sign (Python); fmod=1 the dividend's (C fmod). ONNX
// requires fmod=1 for floating types.
void infer_mod(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_arithmetic(inputs, outputs);
    int64_t fmod = node.attrs.get_int("fmod", 0);
    if (fmod != 0 && fmod != 1) fail("attribute fmod must be 0 or 1, got " + std::to_string(fmod));
    if (fmod == 0 && dtype_is_float(inputs[0].dtype))
        fail(std::string("attribute fmod must be 1 for floating inputs, got 0 with ") + dtype_name(inputs[0].dtype));
}

void evaluate_mod(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    int64_t fmod = node.attrs.get_int("fmod", 0);
    if (fmod != 0 && fmod != 1) fail("attribute fmod must be 0 or 1, got " + std::to_string(fmod));
    if (fmod == 0 && dtype_is_float(require_input(inputs, 0).dtype))
        fail(std::string("attribute fmod must be 1 for floating inputs, got 0 with ") +
             dtype_name(inputs[0]->dtype));
    if (fmod == 1) {
        outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
            if constexpr (std::is_integral_v<C>) return int_fmod(x, y);
            else return std::fmod(x, y);
        });
    } else {
        outputs[0] = arithmetic(inputs, []<class C>(C x, C y) -> C {
            if constexpr (std::is_integral_v<C>) return int_mod(x, y);
            else return float_mod(x, y);
        });
    }
}

// The output has the base's type; the exponent may be of any number type (Pow-12 and later).
void infer_pow(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    require_numeric(a.dtype, "base X");
    require_numeric(b.dtype, "exponent Y");
    outputs[0].dtype = a.dtype;
    outputs[0].shape = broadcast_partial(a.shape, b.shape);
}

void evaluate_pow(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    require_numeric(a.dtype, "base X");
    require_numeric(b.dtype, "exponent Y");
    Tensor out = Tensor::empty(a.dtype, broadcast_shapes(a.shape, b.shape));
    visit_dtype(a.dtype, [&]<class T>() {
        visit_dtype(b.dtype, [&]<class E>() {
            if constexpr (!std::is_same_v<T, bool> && !std::is_same_v<E, bool>) {
                const T* pa = a.data<T>();
                const E* pb = b.data<E>();
                T* po = out.mutable_data<T>();
                for_each_broadcast(out.shape, a.shape, b.shape, [&](int64_t i, int64_t ia, int64_t ib) {
                    if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
                        po[i] = int_pow(pa[ia], pb[ib]);
                    } else {
                        // In double, then rounded (float base) or truncated (integer base).
                        double r = std::pow(double(load(pa[ia])), double(load(pb[ib])));
                        po[i] = convert_value<T>(r);
                    }
                });
            }
        });
    });
    outputs[0] = std::move(out);
}

}  // namespace frugal::ops
