// Concat: joins inputs of equal rank along `axis`; every other dim must agree.
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_concat(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& first = require_input(inputs, 0);
    int64_t axis_attr = node.attrs.get_int("axis");
    outputs[0].dtype = first.dtype;
    const PartialShape* ranked = nullptr;
    for (const ValueType& v : inputs) {
        if (!v.present) fail("Concat inputs cannot be omitted");
        if (v.dtype != first.dtype)
            fail(std::string("inputs have different types: ") + dtype_name(first.dtype) + " and " + dtype_name(v.dtype));
        if (v.shape.rank_known && !ranked) ranked = &v.shape;
    }
    if (!ranked) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    size_t rank = ranked->rank();
    size_t axis = size_t(normalize_axis(axis_attr, int64_t(rank)));
    PartialShape out = PartialShape::of_rank(rank);
    out.dims[axis] = 0;
    for (const ValueType& v : inputs) {
        if (!v.shape.rank_known) {
            out.dims[axis] = kDynamic;
            continue;
        }
        if (v.shape.rank() != rank)
            fail("inputs have different ranks: " + ranked->to_string() + " and " + v.shape.to_string());
        for (size_t i = 0; i < rank; ++i) {
            int64_t d = v.shape.dims[i];
            if (i == axis) {
                out.dims[i] = (out.dims[i] < 0 || d < 0) ? kDynamic : out.dims[i] + d;
            } else if (d >= 0) {
                if (out.dims[i] >= 0 && out.dims[i] != d)
                    fail("inputs " + ranked->to_string() + " and " + v.shape.to_string() + " differ in dim " +
                         std::to_string(i) + ", which is not the concat axis");
                out.dims[i] = d;
            }
        }
    }
    // Keep a symbolic name for a non-axis dim that stayed dynamic.
    PartialShape named;
    for (size_t i = 0; i < rank; ++i) push_dim(named, out.dims[i], i == axis ? std::string() : dim_name(*ranked, i));
    outputs[0].shape = named;
}

void evaluate_concat(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& first = require_input(inputs, 0);
    size_t rank = first.rank();
    size_t axis = size_t(normalize_axis(node.attrs.get_int("axis"), int64_t(rank)));
    Shape out_shape = first.shape;
    out_shape[axis] = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
        const Tensor& t = require_input(inputs, k);
        if (t.dtype != first.dtype)
            fail(std::string("inputs have different types: ") + dtype_name(first.dtype) + " and " + dtype_name(t.dtype));
        if (t.rank() != rank)
            fail("inputs have different ranks: " + shape_to_string(first.shape) + " and " + shape_to_string(t.shape));
        for (size_t i = 0; i < rank; ++i)
            if (i != axis && t.shape[i] != first.shape[i])
                fail("inputs " + shape_to_string(first.shape) + " and " + shape_to_string(t.shape) + " differ in dim " +
                     std::to_string(i) + ", which is not the concat axis");
        out_shape[axis] += t.shape[axis];
    }
    Tensor out = Tensor::empty(first.dtype, out_shape);
    size_t esize = dtype_size(first.dtype);
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < axis; ++i) outer *= out_shape[i];
    for (size_t i = axis + 1; i < rank; ++i) inner *= out_shape[i];
    // Row by row of the dims before the axis, each input contributes one contiguous block.
    std::byte* dst = out.mutable_raw();
    for (int64_t o = 0; o < outer; ++o) {
        for (const Tensor* t : inputs) {
            size_t block = size_t(t->shape[axis] * inner) * esize;
            if (block == 0) continue;
            std::memcpy(dst, t->raw() + size_t(o) * block, block);
            dst += block;
        }
    }
    outputs[0] = out;
}

}  // namespace frugal::ops
