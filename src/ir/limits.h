#pragma once
// Limits on what a model may ask for, checked by the readers before anything is allocated, so
// that a hostile or broken file is refused with an error naming the tensor rather than ending in
// std::bad_alloc, the OOM killer or a wrapped-around size.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace frugal {

// The most one tensor may hold: the machine's physical memory unless set (0 restores that).
// Buffer::allocate refuses more, and readers refuse models whose tensors need more before
// allocating anything. The fuzz targets lower it (fuzz/fuzz_util.h).
size_t allocation_limit();
void set_allocation_limit(size_t bytes);
// "more than the N bytes of memory this machine has", for errors.
std::string allocation_limit_description();

// a * b for sizes and element counts; throws with `what` (e.g. "tensor 'w'") when the product
// leaves [0, INT64_MAX] or a factor is negative.
int64_t checked_mul(int64_t a, int64_t b, const std::string& what);
// Bytes of a tensor of `dtype` and `shape`, checked for overflow and against
// allocation_limit(); throws naming `what`.
size_t checked_tensor_bytes(DType dtype, const Shape& shape, const std::string& what);

// Every value whose element type and shape are known must fit in allocation_limit();
// throws naming the value and the node that makes it.
void check_value_sizes(const Graph& g);

}  // namespace frugal
