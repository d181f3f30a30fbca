#pragma once
#include <string>

#include "ir/graph.h"

namespace frugal {

// A readable text form of a model: header, inputs, outputs, constants (with where their bytes
// live) and one line per node, `%out = Op(%in, ...) {attr=...}  # name`.
std::string dump_model(const Model& m);

}  // namespace frugal
