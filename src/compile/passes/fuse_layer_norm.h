#pragma once
#include "ir/graph.h"

namespace frugal::compile {

// Finds LayerNormalization written out in elementwise ops, as exporters before opset 17 and
// OpenVINO's MVN write it:
//   d = x - ReduceMean(x, -1); y = d / Sqrt(ReduceMean(d^2 or d*d, -1) + eps) [* gamma] [+ beta]
// (or d * Reciprocal(Sqrt(..))), and makes it one LayerNormalization(x, gamma, beta){axis -1}, so
// the layer-norm kernel runs instead of nine reference ops. gamma and beta must be [N] constants;
// they are shared, not copied (absent ones become ones and zeros). Returns the number fused.
size_t fuse_layer_norm(Model& model);

}  // namespace frugal::compile
