#pragma once
#include "ir/graph.h"

namespace frugal::compile {

// Turns scaled dot-product attention into one FusedAttention node (ops/fused_attention.cpp):
//   MatMul(A, B) [-> Mul|Div by a scalar constant]* [-> Where(mask, s, scalar)] [-> Add(s, mask)]
//   -> Softmax(last axis) -> MatMul(P, V) [-> Transpose]*
// A, B and V rank 4. A is reached back from Q through Transposes and scalar Mul/Div (their
// perms become q_perm, their factors the scale); B is K^T the same way (k_perm), V through
// Transposes (v_perm); Transposes after the output become out_perm. Keras's decomposed einsums
// and PyTorch's MatMul(q, Transpose(k)) / sqrt(d) both match. Every value between the first
// MatMul and the output must be read by the next node only and not be a graph output; the
// Transposes and Muls before Q, K and V are only bypassed (eliminate_dead_code drops them when
// nothing else reads them). Returns the number of attentions fused.
size_t fuse_attention(Model& model);

}  // namespace frugal::compile
