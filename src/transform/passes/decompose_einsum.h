#pragma once
// Lowers Einsum nodes to Transpose / Reshape / MatMul / ReduceSum / Mul (plus Slice for
// diagonals and Shape / Gather / Concat for shapes known only at run time), early in the
// offline pipeline so that the weight-side nodes fold into views or single copies (DESIGN.md,
// "Einsum"). Einsums it cannot lower safely stay as they are (see decompose_einsum.cpp).
#include <cstddef>

#include "ir/graph.h"
#include "transform/pass.h"

namespace frugal::transform {

// mode constant: Einsums with at least one constant operand; all: every Einsum; none: nothing.
// Returns the number of nodes removed plus added. Leaves the graph sorted and compacted.
size_t decompose_einsum(Model& model, EinsumMode mode);

}  // namespace frugal::transform
