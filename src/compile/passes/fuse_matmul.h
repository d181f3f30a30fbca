#pragma once
#include "ir/graph.h"

namespace frugal::compile {

// Turns MatMul by a constant 2-D weight into FusedMatMul and absorbs what follows it:
//   MatMul(x, W) [-> Reshape splitting the last dim] -> Add(bias) -> Gelu -> Add(residual)
// becomes FusedMatMul(x, W, bias, residual){activation} [-> Reshape]. A bias added after the
// Reshape (Keras' EinsumDense: [heads, head_dim] on [b, s, heads, head_dim]) is the same bias on
// [b, s, heads*head_dim] before it, so it moves in front (a view of the same bytes).
// MatMul(x, Transpose(W, [1,0])) with W constant reads W as is (transpose_b): the tied embedding
// keeps one copy. Returns the number of MatMuls fused.
size_t fuse_matmul(Model& model);

}  // namespace frugal::compile
