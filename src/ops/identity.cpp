// Identity: the output is the input tensor itself (shares its buffer).
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_identity(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_same_as_first(inputs, outputs);
}

void evaluate_identity(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = require_input(inputs, 0);
}

}  // namespace frugal::ops
