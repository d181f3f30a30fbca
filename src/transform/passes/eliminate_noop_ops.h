#pragma once
#include "ir/graph.h"

namespace frugal::transform {

// Removes nodes that do nothing: Identity, a Cast to the type the value already has, a Reshape
// to the shape it already has, a Transpose by the identity permutation, and Expand/Tile that do
// not change the shape. Readers are rewired to the node's input. A node whose output is a graph
// output stays (the output's name is part of the model's interface).
size_t eliminate_noop_ops(Model& model);

}  // namespace frugal::transform
