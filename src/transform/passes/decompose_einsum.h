#pragma once
#include "ir/graph.h"
#include "transform/pass.h"

namespace frugal::transform {

// Lowers Einsum nodes (mode constant: those with a constant operand; all: every one) to
// Transpose/Reshape/MatMul/ReduceSum/Mul with no no-op nodes. Returns the Einsums lowered.
size_t decompose_einsum(Model& model, EinsumMode mode);

}  // namespace frugal::transform
