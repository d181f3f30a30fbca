#pragma once
#include "ir/graph.h"

namespace frugal {

// Checks the graph's invariants: every node input is a graph input, a constant or the output of an
// earlier node; every value has one producer; nodes are in topological order (so no cycles);
// graph outputs exist; op arity fits the op table. After inference (types_known) also that every
// value has an element type. Throws naming the node on the first violation.
void verify_graph(const Graph& g, bool types_known = false);

}  // namespace frugal
