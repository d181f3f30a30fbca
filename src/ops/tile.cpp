// Tile: repeats the input repeats[i] times along each axis i (repeats has one entry per axis).
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static void check_repeats(const std::vector<int64_t>& repeats, size_t rank) {
    if (repeats.size() != rank)
        fail("repeats has " + std::to_string(repeats.size()) + " entries but the input has rank " + std::to_string(rank));
    for (int64_t r : repeats)
        if (r < 0) fail("repeats " + shape_to_string(repeats) + " has a negative entry");
}

void infer_tile(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    const ValueType& repeats = require_input(inputs, 1);
    outputs[0].dtype = in.dtype;
    if (!in.shape.rank_known) {
        int64_t n = known_length(repeats);
        outputs[0].shape = n >= 0 ? PartialShape::of_rank(size_t(n)) : PartialShape::unknown_rank();
        return;
    }
    auto r = constant_ints(inputs, 1, "Tile's repeats");
    if (!r) {
        outputs[0].shape = PartialShape::of_rank(in.shape.rank());
        return;
    }
    check_repeats(*r, in.shape.rank());
    PartialShape out;
    for (size_t i = 0; i < r->size(); ++i) {
        int64_t d = in.shape.dims[i];
        if ((*r)[i] == 1) push_dim_of(out, in.shape, i);
        else push_dim(out, (*r)[i] == 0 ? 0 : d < 0 ? kDynamic : shape_numel({d, (*r)[i]}));
    }
    if (r->empty()) out.rank_known = true;
    outputs[0].shape = out;
}

void evaluate_tile(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    std::vector<int64_t> repeats = int_list(require_input(inputs, 1), "Tile's repeats");
    check_repeats(repeats, in.rank());
    Shape out_shape(in.rank());
    for (size_t i = 0; i < in.rank(); ++i) out_shape[i] = shape_numel({in.shape[i], repeats[i]});
    Tensor out = Tensor::empty(in.dtype, out_shape);
    size_t esize = dtype_size(in.dtype);
    std::vector<int64_t> in_strides = shape_strides(in.shape);
    std::vector<int64_t> out_strides = shape_strides(out_shape);
    int64_t n = out.numel();
    // Output index (o0, o1, ...) reads input index (o0 % d0, o1 % d1, ...).
    for (int64_t i = 0; i < n; ++i) {
        int64_t rest = i, src = 0;
        for (size_t d = 0; d < out_shape.size(); ++d) {
            int64_t o = rest / out_strides[d];
            rest -= o * out_strides[d];
            src += (o % in.shape[d]) * in_strides[d];
        }
        std::memcpy(out.mutable_raw() + size_t(i) * esize, in.raw() + size_t(src) * esize, esize);
    }
    outputs[0] = out;
}

}  // namespace frugal::ops
