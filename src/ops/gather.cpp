// Gather: out = data[:axis] + indices.shape + data[axis+1:], picking slices of `axis` by index;
// negative indices count from the end.
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_gather(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& data = require_input(inputs, 0);
    const ValueType& indices = require_input(inputs, 1);
    if (indices.dtype != DType::i32 && indices.dtype != DType::i64 && indices.dtype != DType::undefined)
        fail(std::string("indices must be int32 or int64, found ") + dtype_name(indices.dtype));
    outputs[0].dtype = data.dtype;
    if (!data.shape.rank_known || !indices.shape.rank_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    size_t axis = size_t(normalize_axis(node.attrs.get_int("axis", 0), int64_t(data.shape.rank())));
    PartialShape out;
    out.rank_known = true;
    for (size_t i = 0; i < axis; ++i) push_dim_of(out, data.shape, i);
    for (size_t i = 0; i < indices.shape.rank(); ++i) push_dim_of(out, indices.shape, i);
    for (size_t i = axis + 1; i < data.shape.rank(); ++i) push_dim_of(out, data.shape, i);
    outputs[0].shape = out;
}

void evaluate_gather(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& data = require_input(inputs, 0);
    const Tensor& indices = require_input(inputs, 1);
    if (indices.dtype != DType::i32 && indices.dtype != DType::i64)
        fail(std::string("indices must be int32 or int64, found ") + dtype_name(indices.dtype));
    size_t axis = size_t(normalize_axis(node.attrs.get_int("axis", 0), int64_t(data.rank())));
    Shape out_shape(data.shape.begin(), data.shape.begin() + int64_t(axis));
    out_shape.insert(out_shape.end(), indices.shape.begin(), indices.shape.end());
    out_shape.insert(out_shape.end(), data.shape.begin() + int64_t(axis) + 1, data.shape.end());

    int64_t dim = data.shape[axis];
    std::vector<int64_t> idx = indices.to_int_vector();
    for (int64_t& i : idx) {
        if (i < -dim || i >= dim)
            fail("index " + std::to_string(i) + " is out of range for axis " + std::to_string(axis) + " of size " +
                 std::to_string(dim));
        if (i < 0) i += dim;
    }
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < axis; ++i) outer *= data.shape[i];
    for (size_t i = axis + 1; i < data.rank(); ++i) inner *= data.shape[i];
    size_t block = size_t(inner) * dtype_size(data.dtype);  // bytes of one picked slice

    Tensor out = Tensor::empty(data.dtype, out_shape);
    std::byte* dst = out.mutable_raw();
    for (int64_t o = 0; o < outer && block > 0; ++o) {
        const std::byte* src = data.raw() + size_t(o * dim) * block;
        for (int64_t i : idx) {
            std::memcpy(dst, src + size_t(i) * block, block);
            dst += block;
        }
    }
    outputs[0] = out;
}

}  // namespace frugal::ops
