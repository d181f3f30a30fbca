#pragma once
// The pieces of a Session's KV-cache states that do not need the plan (session_states.cpp).
#include <cstddef>
#include <cstdint>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace frugal {

// True when node n can read input `input` while it is a state (strided, with room for more
// positions than are filled): Shape/Size, and K or V of FusedAttention.
bool reads_state_in_place(const Node& n, size_t input);

// Writes fresh [.., n, ..] into the state [.., capacity, ..] at positions length .. length+n-1
// along axis; when dense is not null, also writes the whole present [.., length+n, ..] there.
void append_to_state(const Tensor& fresh, const Shape& state_shape, int axis, int64_t length, std::byte* state,
                     std::byte* dense);

}  // namespace frugal
