#pragma once
// The Session's glue for FusedAttention: at plan time, the kernel arguments without data
// pointers (dims, scale, the canonical strides of every operand, the causal flag); at run time,
// the pointers. Strides come in as data, so a K or V read in place from a KV-cache state (room
// for more positions than are filled) only changes the physical strides passed here.
#include <vector>

#include "ir/graph.h"
#include "kernels/cpu/attention.h"

namespace frugal {

struct AttentionLayout {
    // Physical shapes of the operands as the node sees them (K and V: the filled positions).
    Shape q{}, k{}, v{}, out{}, mask{}, add_mask{};
    // Physical element strides of q, k and v; empty means dense.
    std::vector<int64_t> q_strides{}, k_strides{}, v_strides{};
    bool has_mask = false, has_add_mask = false;  // inputs 3 (per mask_kind) and 4
    // Input 3 is the plain causal mask (see is_plain_causal_mask): the kernel applies it itself
    // and the mask is not read.
    bool causal = false;
};

// True when m (a bool [Sq, Sk], possibly with leading 1s) is true exactly where key j <= Sk - Sq + i.
bool is_plain_causal_mask(const Tensor& m, int64_t Sq, int64_t Sk);

// The kernel arguments of a FusedAttention node for these shapes, data pointers left null.
// Throws frugal::Error when the shapes do not fit the node.
kernels::AttentionArgs plan_attention(const Node& n, const AttentionLayout& layout);

// Runs the kernel: `args` from plan_attention, mask and add_mask as the node's inputs 3 and 4 (or
// nullptr). A bool mask shared by all heads that turns out to be the plain causal one is not read:
// the kernel's causal flag does its work.
void run_attention(kernels::AttentionArgs args, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* mask,
                   const Tensor* add_mask, Tensor& out);

}  // namespace frugal
