#pragma once
#include "ir/graph.h"

namespace frugal::transform {

// Evaluates nodes whose inputs are all constants (and Shape/Size of statically shaped values) and
// turns their outputs into constants, keeping the memory contract:
// - view ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, contiguous Slice) fold to views of
//   the same buffer;
// - a constant input with no consumer left is released as soon as the result exists, so the peak
//   while folding one weight is at most that weight twice;
// - an op that would copy a weight that something else still reads is left alone (the weight
//   would be held twice), and so is one whose result would be much larger than its inputs
//   (a Broadcast/Expand of a weight folds into its own copy: the seed's bug).
size_t fold_constants(Model& model);

}  // namespace frugal::transform
