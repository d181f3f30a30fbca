#pragma once
#include "ir/graph.h"

namespace frugal::transform {

// Removes nodes whose outputs nothing reads (no live node, not a graph output), and the
// constants only they read. Returns the number of nodes removed.
size_t eliminate_dead_code(Model& model);

}  // namespace frugal::transform
