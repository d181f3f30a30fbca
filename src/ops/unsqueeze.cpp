// Unsqueeze: a view with size-1 axes inserted at the listed output positions. Axes are an
// attribute before opset 13 and an int64 input from 13; they index the output (rank + count).
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static PartialShape unsqueezed(const PartialShape& in, const std::vector<int64_t>& axes) {
    int64_t out_rank = int64_t(in.rank() + axes.size());
    std::vector<int64_t> norm = normalize_axes(axes, out_rank, "axis");
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : norm) inserted[size_t(a)] = true;
    PartialShape out;
    out.rank_known = true;
    size_t next = 0;
    for (size_t i = 0; i < size_t(out_rank); ++i) {
        if (inserted[i]) push_dim(out, 1);
        else push_dim_of(out, in, next++);
    }
    return out;
}

static std::vector<int64_t> unsqueeze_axes_attr(const Node& node) {
    if (!node.attrs.has("axes")) fail("Unsqueeze needs axes (an attribute before opset 13, input 1 from 13)");
    return node.attrs.get_ints("axes");
}

void infer_unsqueeze(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    outputs[0].dtype = in.dtype;
    std::vector<int64_t> axes;
    if (input_present(inputs, 1)) {
        auto c = constant_ints(inputs, 1, "Unsqueeze's axes");
        if (!c) {
            int64_t n = known_length(inputs[1]);
            outputs[0].shape = in.shape.rank_known && n >= 0 ? PartialShape::of_rank(in.shape.rank() + size_t(n))
                                                             : PartialShape::unknown_rank();
            return;
        }
        axes = *c;
    } else {
        axes = unsqueeze_axes_attr(node);
    }
    outputs[0].shape = in.shape.rank_known ? unsqueezed(in.shape, axes) : PartialShape::unknown_rank();
}

void evaluate_unsqueeze(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    const Tensor* t = optional_input(inputs, 1);
    std::vector<int64_t> axes = t ? int_list(*t, "Unsqueeze's axes") : unsqueeze_axes_attr(node);
    outputs[0] = in.reshaped(unsqueezed(in.shape, axes).dims);
}

}  // namespace frugal::ops
