// Expand: broadcasts the input to the numpy (bidirectional) broadcast of its shape and the shape
// input, so a 1 in the shape input keeps the input's dim.
#include <algorithm>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_expand(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    const ValueType& shape = require_input(inputs, 1);
    outputs[0].dtype = in.dtype;
    if (auto s = constant_ints(inputs, 1, "Expand's shape")) {
        for (int64_t d : *s)
            if (d < 0) fail("Expand's shape " + shape_to_string(*s) + " has a negative dim");
        outputs[0].shape = broadcast_partial(in.shape, PartialShape(*s));
        return;
    }
    int64_t n = known_length(shape);
    if (!in.shape.rank_known || n < 0) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    outputs[0].shape = PartialShape::of_rank(std::max(size_t(n), in.shape.rank()));
}

void evaluate_expand(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    std::vector<int64_t> s = int_list(require_input(inputs, 1), "Expand's shape");
    for (int64_t d : s)
        if (d < 0) fail("Expand's shape " + shape_to_string(s) + " has a negative dim");
    Shape out_shape = broadcast_shapes(in.shape, s);
    // Broadcast dims read the same input element again: stride 0.
    std::vector<int64_t> in_strides = shape_strides(in.shape);
    std::vector<int64_t> src_strides(out_shape.size(), 0);
    size_t lead = out_shape.size() - in.rank();
    for (size_t i = 0; i < in.rank(); ++i) src_strides[lead + i] = in.shape[i] == 1 ? 0 : in_strides[i];
    Tensor out = Tensor::empty(in.dtype, out_shape);
    strided_copy(in.raw(), 0, src_strides, out_shape, dtype_size(in.dtype), out.mutable_raw());
    outputs[0] = out;
}

}  // namespace frugal::ops
