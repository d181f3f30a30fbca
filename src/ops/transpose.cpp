// Transpose: output axis i is input axis perm[i]; perm defaults to reversing the axes.
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static std::vector<int64_t> transpose_perm(const Node& node, int64_t rank) {
    if (!node.attrs.has("perm")) {
        std::vector<int64_t> perm(static_cast<size_t>(rank));
        for (int64_t i = 0; i < rank; ++i) perm[size_t(i)] = rank - 1 - i;
        return perm;
    }
    std::vector<int64_t> perm = node.attrs.get_ints("perm");
    if (int64_t(perm.size()) != rank)
        fail("perm has " + std::to_string(perm.size()) + " entries but the input has rank " + std::to_string(rank));
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t p : perm) {
        if (p < 0 || p >= rank) fail("perm entry " + std::to_string(p) + " is out of range for rank " + std::to_string(rank));
        if (seen[size_t(p)]) fail("perm repeats axis " + std::to_string(p));
        seen[size_t(p)] = true;
    }
    return perm;
}

void infer_transpose(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    outputs[0].dtype = in.dtype;
    if (!in.shape.rank_known) {
        outputs[0].shape = node.attrs.has("perm") ? PartialShape::of_rank(node.attrs.get_ints("perm").size())
                                                  : PartialShape::unknown_rank();
        return;
    }
    std::vector<int64_t> perm = transpose_perm(node, int64_t(in.shape.rank()));
    PartialShape out;
    out.rank_known = true;
    for (int64_t p : perm) push_dim_of(out, in.shape, size_t(p));
    outputs[0].shape = out;
}

void evaluate_transpose(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    std::vector<int64_t> perm = transpose_perm(node, int64_t(in.rank()));
    std::vector<int64_t> in_strides = shape_strides(in.shape);
    Shape out_shape(perm.size());
    std::vector<int64_t> src_strides(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) {
        out_shape[i] = in.shape[size_t(perm[i])];
        src_strides[i] = in_strides[size_t(perm[i])];
    }
    Tensor out = Tensor::empty(in.dtype, out_shape);
    strided_copy(in.raw(), 0, src_strides, out_shape, dtype_size(in.dtype), out.mutable_raw());
    outputs[0] = out;
}

}  // namespace frugal::ops
