#pragma once
// Lowers Einsum nodes to Transpose / Reshape / MatMul / ReduceSum / Mul (plus a strided Slice
// for a diagonal of a non-constant operand, and Shape / Gather / Mul / Concat for Reshape
// shapes known only at run time), early in the offline pipeline so that the weight-side nodes
// fold into views or single copies (DESIGN.md, "Einsum"). No node it adds is a no-op. Einsums
// it cannot lower safely stay as they are (the list is at the top of decompose_einsum.cpp).
#include <cstddef>

#include "ir/graph.h"
#include "transform/pass.h"

namespace frugal::transform {

// mode constant: Einsums with at least one constant operand; all: every Einsum; none: nothing.
// Returns the number of Einsums lowered. Leaves the graph sorted and compacted.
size_t decompose_einsum(Model& model, EinsumMode mode);

}  // namespace frugal::transform
