#pragma once
// Helpers shared by the reference kernels: numpy broadcasting, index walking, input access.
#include <span>
#include <vector>

#include "ir/error.h"
#include "ops/op_table.h"

namespace frugal {

// numpy broadcasting of two or more shapes; throws "shapes [..] and [..] do not broadcast".
Shape broadcast_shapes(const Shape& a, const Shape& b);
PartialShape broadcast_partial(const PartialShape& a, const PartialShape& b);

// For an output index walk: maps each flat output index to a flat input index under
// broadcasting. Strides are 0 on broadcast dims. Used as: BroadcastIndexer ix(out, in); ix.at(i).
class BroadcastIndexer {
public:
    BroadcastIndexer(const Shape& out, const Shape& in);
    int64_t at(int64_t flat_out) const;

private:
    std::vector<int64_t> out_strides_;
    std::vector<int64_t> in_strides_;
};

// Returns the input tensor or throws "missing required input i".
const Tensor& require_input(std::span<const Tensor* const> inputs, size_t i);
// Same for inference.
const ValueType& require_input(std::span<const ValueType> inputs, size_t i);

// Output type is the input's dtype and the broadcast of all present inputs' shapes.
void infer_broadcast_same_type(std::span<const ValueType> inputs, std::span<ValueType> outputs);
// Output has the dtype and shape of input 0 (unary elementwise).
void infer_same_as_first(std::span<const ValueType> inputs, std::span<ValueType> outputs);

}  // namespace frugal
