// Constant: its one attribute is the output. value (a tensor) is returned as is (its buffer is
// shared, not copied); value_float/value_int give scalars, value_floats/value_ints 1-D tensors.
// String and sparse values have no DType here and are rejected.
#include "ops/constant.h"

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

Tensor constant_value(const Node& node) {
    for (const char* unsupported : {"value_string", "value_strings", "sparse_value"})
        if (node.attrs.has(unsupported))
            fail(std::string("Constant with attribute '") + unsupported + "' is not supported");
    const Attributes& a = node.attrs;
    if (a.has("value")) return a.get_tensor("value");
    if (a.has("value_float")) return Tensor::scalar<float>(a.get_float("value_float", 0.0f));
    if (a.has("value_int")) return Tensor::scalar<int64_t>(a.get_int("value_int"));
    if (a.has("value_floats")) {
        std::vector<float> v = a.get_floats("value_floats");
        return Tensor::from_vector<float>({int64_t(v.size())}, v);
    }
    if (a.has("value_ints")) {
        std::vector<int64_t> v = a.get_ints("value_ints");
        return Tensor::from_vector<int64_t>({int64_t(v.size())}, v);
    }
    fail("Constant needs one of the attributes value, value_float, value_floats, value_int, value_ints");
}

void infer_constant(const Node& node, std::span<const ValueType>, std::span<ValueType> outputs) {
    Tensor t = constant_value(node);
    outputs[0].dtype = t.dtype;
    outputs[0].shape = t.shape;
}

void evaluate_constant(const Node& node, std::span<const Tensor* const>, std::span<Tensor> outputs) {
    outputs[0] = constant_value(node);
}

}  // namespace frugal::ops
