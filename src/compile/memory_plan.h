#pragma once
// Activation memory: every planned tensor gets an offset into one arena, chosen from liveness so
// that tensors alive at the same time never overlap. Placement is greedy, largest first, each
// into the smallest gap that fits among the tensors it overlaps in time (as XNNPACK's planner).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace frugal::compile {

struct Lifetime {
    size_t bytes = 0;
    int first = 0;  // the step that writes it
    int last = 0;   // the last step that reads it (inclusive)
};

struct MemoryPlan {
    std::vector<size_t> offsets;  // one per lifetime, 64-byte aligned
    size_t arena_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes);

}  // namespace frugal::compile
