// Cast (to the ONNX element type in attribute `to`) and CastLike (to input 1's element type).
// The value rules are convert_value's in ops/elementwise.h. Cast-19's `saturate` attribute only
// concerns float8 types, which we do not have, so it is ignored.
#include <string>

#include "ir/onnx_dtype.h"
#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

namespace {

DType cast_target(const Node& node) {
    int64_t to = node.attrs.get_int("to");
    try {
        return dtype_from_onnx(to);
    } catch (const Error&) {
        throw UnsupportedError(std::string("Cast to ") + onnx_dtype_name(to) + " (" + std::to_string(to) +
                                   ") is not supported: frugal has no such element type",
                               std::string("element type ") + onnx_dtype_name(to));
    }
}

// A tensor of the same type is returned as is (sharing its bytes), as Identity would.
Tensor cast_tensor(const Tensor& x, DType to) {
    if (x.dtype == DType::undefined) fail("input has an undefined element type");
    if (x.dtype == to) return x;
    Tensor out = Tensor::empty(to, x.shape);
    visit_dtype(x.dtype, [&]<class From>() {
        visit_dtype(to, [&]<class To>() {
            const From* px = x.data<From>();
            To* po = out.mutable_data<To>();
            for (int64_t i = 0; i < x.numel(); ++i) po[i] = convert_value<To>(px[i]);
        });
    });
    return out;
}

}  // namespace

void infer_cast(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    outputs[0].dtype = cast_target(node);
    outputs[0].shape = x.shape;
}

void evaluate_cast(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = cast_tensor(require_input(inputs, 0), cast_target(node));
}

void infer_cast_like(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    const ValueType& like = require_input(inputs, 1);
    outputs[0].dtype = like.dtype;
    outputs[0].shape = x.shape;
}

void evaluate_cast_like(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = cast_tensor(require_input(inputs, 0), require_input(inputs, 1).dtype);
}

}  // namespace frugal::ops
