#pragma once
#include "ir/graph.h"

namespace frugal::transform {

// Merges equal constants (same type, shape and bytes; large ones only when they are the same
// bytes in memory, since hashing gigabytes would cost more than it saves) and equal nodes (same
// op, attributes and inputs: repeated shape subgraphs such as Shape -> Gather chains).
// Readers of a duplicate are rewired to the first one. Returns values and nodes merged.
size_t merge_duplicates(Model& model);

}  // namespace frugal::transform
