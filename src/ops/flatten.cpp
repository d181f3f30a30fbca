// Flatten: a 2-D view [prod(dims before axis), prod(dims from axis)]; axis in [-rank, rank].
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static int64_t flatten_axis(const Node& node, int64_t rank) {
    int64_t axis = node.attrs.get_int("axis", 1);
    if (axis < -rank || axis > rank)
        fail("axis " + std::to_string(axis) + " is out of range [-" + std::to_string(rank) + ", " +
             std::to_string(rank) + "]");
    return axis < 0 ? axis + rank : axis;
}

static int64_t product_of(const PartialShape& p, size_t begin, size_t end) {
    int64_t n = 1;
    for (size_t i = begin; i < end; ++i) {
        if (p.dims[i] < 0) return kDynamic;
        n = shape_numel({n, p.dims[i]});
    }
    return n;
}

void infer_flatten(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    outputs[0].dtype = in.dtype;
    if (!in.shape.rank_known) {
        outputs[0].shape = PartialShape::of_rank(2);
        return;
    }
    size_t axis = size_t(flatten_axis(node, int64_t(in.shape.rank())));
    // A dynamic outer or inner product that covers a single dim keeps its name.
    PartialShape out;
    if (axis == 1) push_dim_of(out, in.shape, 0);
    else push_dim(out, product_of(in.shape, 0, axis));
    if (axis + 1 == in.shape.rank()) push_dim_of(out, in.shape, axis);
    else push_dim(out, product_of(in.shape, axis, in.shape.rank()));
    outputs[0].shape = out;
}

void evaluate_flatten(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    size_t axis = size_t(flatten_axis(node, int64_t(in.rank())));
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < in.rank(); ++i) (i < axis ? outer : inner) *= in.shape[i];
    outputs[0] = in.reshaped({outer, inner});
}

}  // namespace frugal::ops
