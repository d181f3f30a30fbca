#pragma once
// The tensor a Constant node stands for, read from whichever value attribute it has. Shared by the
// op itself and by the writers that turn a Constant node into a constant of their own format.
#include "ir/graph.h"

namespace frugal::ops {

Tensor constant_value(const Node& node);

}  // namespace frugal::ops
