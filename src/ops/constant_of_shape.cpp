// ConstantOfShape: a tensor of the given shape filled with the one-element `value` attribute
// (default float32 0); the output takes value's type.
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static Tensor fill_value(const Node& node) {
    if (!node.attrs.has("value")) return Tensor::scalar<float>(0.0f);
    const Tensor& v = node.attrs.get_tensor("value");
    if (v.numel() != 1) fail("value must hold one element, found shape " + shape_to_string(v.shape));
    return v;
}

static void check_dims(const std::vector<int64_t>& dims) {
    for (int64_t d : dims)
        if (d < 0) fail("shape " + shape_to_string(dims) + " has a negative dim");
}

void infer_constant_of_shape(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& shape = require_input(inputs, 0);
    outputs[0].dtype = fill_value(node).dtype;
    if (auto dims = constant_ints(inputs, 0, "ConstantOfShape's shape")) {
        check_dims(*dims);
        outputs[0].shape = PartialShape(*dims);
        return;
    }
    int64_t n = known_length(shape);
    outputs[0].shape = n >= 0 ? PartialShape::of_rank(size_t(n)) : PartialShape::unknown_rank();
}

void evaluate_constant_of_shape(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    std::vector<int64_t> dims = int_list(require_input(inputs, 0), "ConstantOfShape's shape");
    check_dims(dims);
    Tensor v = fill_value(node);
    Tensor out = Tensor::empty(v.dtype, dims);
    size_t esize = dtype_size(v.dtype);
    for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(out.mutable_raw() + size_t(i) * esize, v.raw(), esize);
    outputs[0] = out;
}

}  // namespace frugal::ops
