#pragma once
// A pass rewrites a model in place and returns how many nodes it changed (added, removed or
// rewritten), which the pass manager records beside time and memory.
#include <cstddef>
#include <functional>
#include <string>

#include "ir/graph.h"

namespace frugal::transform {

struct Pass {
    std::string name;                     // verb first: fold_constants, decompose_einsum, ...
    std::function<size_t(Model&)> run;
};

// Which Einsums decompose_einsum lowers.
enum class EinsumMode { none, constant, all };

}  // namespace frugal::transform
