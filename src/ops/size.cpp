// Size: the input's element count as an int64 scalar.
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_size(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    require_input(inputs, 0);
    outputs[0].dtype = DType::i64;
    outputs[0].shape = Shape{};
}

void evaluate_size(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = Tensor::scalar<int64_t>(require_input(inputs, 0).numel());
}

}  // namespace frugal::ops
