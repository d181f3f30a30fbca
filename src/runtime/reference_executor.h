#pragma once
// Runs a model node by node with the reference kernels: the oracle the compiled path is checked
// against, and `frugal run --reference`.
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace frugal {

using TensorMap = std::map<std::string, Tensor>;

// Checks inputs against the graph's declared inputs (present, element type, rank, static dims),
// naming the input on error. Extra names are an error too (they would be silently ignored).
void check_inputs(const Model& model, const TensorMap& inputs);

// Runs the graph; returns every graph output by name. Intermediate tensors are released after
// their last consumer has run.
TensorMap run_reference(const Model& model, const TensorMap& inputs);

}  // namespace frugal
