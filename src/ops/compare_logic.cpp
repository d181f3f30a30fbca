// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual: bool output) and logic (Not,
// And, Or, Xor: bool in, bool out), all with numpy broadcasting. Comparisons with NaN are false
// except NaN != x, as IEEE and numpy.
#include <string>

#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

namespace {

void infer_compare(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    require_same_dtype(a.dtype, b.dtype, "input A", "input B");
    outputs[0].dtype = DType::boolean;
    outputs[0].shape = broadcast_partial(a.shape, b.shape);
}

// cmp(x, y) on the compute type (f16/bf16 compare as float).
template <class Cmp>
Tensor compare(std::span<const Tensor* const> inputs, Cmp cmp) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    require_same_dtype(a.dtype, b.dtype, "input A", "input B");
    Tensor out = Tensor::empty(DType::boolean, broadcast_shapes(a.shape, b.shape));
    visit_dtype(a.dtype, [&]<class T>() {
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        bool* po = out.mutable_data<bool>();
        for_each_broadcast(out.shape, a.shape, b.shape,
                           [&](int64_t i, int64_t ia, int64_t ib) { po[i] = cmp(load(pa[ia]), load(pb[ib])); });
    });
    return out;
}

void infer_logic(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    require_bool(a.dtype, "input A");
    require_bool(b.dtype, "input B");
    outputs[0].dtype = DType::boolean;
    outputs[0].shape = broadcast_partial(a.shape, b.shape);
}

template <class Fn>
Tensor logic(std::span<const Tensor* const> inputs, Fn fn) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    require_bool(a.dtype, "input A");
    require_bool(b.dtype, "input B");
    Tensor out = Tensor::empty(DType::boolean, broadcast_shapes(a.shape, b.shape));
    const bool* pa = a.data<bool>();
    const bool* pb = b.data<bool>();
    bool* po = out.mutable_data<bool>();
    for_each_broadcast(out.shape, a.shape, b.shape,
                       [&](int64_t i, int64_t ia, int64_t ib) { po[i] = fn(pa[ia], pb[ib]); });
    return out;
}

}  // namespace

void infer_equal(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_compare(inputs, outputs);
}
void evaluate_equal(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = compare(inputs, []<class C>(C x, C y) { return x == y; });
}

void infer_less(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_compare(inputs, outputs);
}
void evaluate_less(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = compare(inputs, []<class C>(C x, C y) { return x < y; });
}

void infer_greater(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_compare(inputs, outputs);
}
void evaluate_greater(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = compare(inputs, []<class C>(C x, C y) { return x > y; });
}

void infer_less_or_equal(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_compare(inputs, outputs);
}
void evaluate_less_or_equal(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = compare(inputs, []<class C>(C x, C y) { return x <= y; });
}

void infer_greater_or_equal(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_compare(inputs, outputs);
}
void evaluate_greater_or_equal(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = compare(inputs, []<class C>(C x, C y) { return x >= y; });
}

void infer_not(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    require_bool(x.dtype, "input X");
    outputs[0].dtype = DType::boolean;
    outputs[0].shape = x.shape;
}
void evaluate_not(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& x = require_input(inputs, 0);
    require_bool(x.dtype, "input X");
    Tensor out = Tensor::empty(DType::boolean, x.shape);
    const bool* px = x.data<bool>();
    bool* po = out.mutable_data<bool>();
    for (int64_t i = 0; i < x.numel(); ++i) po[i] = !px[i];
    outputs[0] = std::move(out);
}

void infer_and(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_logic(inputs, outputs);
}
void evaluate_and(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = logic(inputs, [](bool x, bool y) { return x && y; });
}

void infer_or(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_logic(inputs, outputs);
}
void evaluate_or(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = logic(inputs, [](bool x, bool y) { return x || y; });
}

void infer_xor(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_logic(inputs, outputs);
}
void evaluate_xor(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = logic(inputs, [](bool x, bool y) { return x != y; });
}

}  // namespace frugal::ops
