#pragma once
#include "ir/graph.h"

namespace frugal::compile {

// Replaces an elementwise subgraph that computes GELU (the tanh approximation, or the exact erf
// form) with one Gelu node. Exporters spell GELU in many ways (Pow or x*x*x, 0.5*x first or last,
// Div by sqrt(2) or Mul by 1/sqrt(2)), so the pass does not match a fixed pattern: it collects the
// single-input region of scalar-constant elementwise ops around a Tanh or Erf and checks by
// evaluating it on sample points that it is GELU. Returns the number of regions replaced.
size_t fuse_gelu(Model& model);

}  // namespace frugal::compile
