#include "compile/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace frugal::compile {

static size_t align64(size_t n) { return (n + 63) / 64 * 64; }

MemoryPlan plan_memory(const std::vector<Lifetime>& lifetimes) {
    MemoryPlan plan;
    plan.offsets.assign(lifetimes.size(), 0);
    std::vector<size_t> order(lifetimes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lifetimes[a].bytes > lifetimes[b].bytes; });
    std::vector<size_t> placed;
    for (size_t i : order) {
        const Lifetime& t = lifetimes[i];
        size_t size = align64(t.bytes);
        // The blocks already placed that are alive at the same time as t, by offset.
        std::vector<std::pair<size_t, size_t>> busy;
        for (size_t j : placed) {
            const Lifetime& o = lifetimes[j];
            if (o.last < t.first || t.last < o.first) continue;
            busy.push_back({plan.offsets[j], plan.offsets[j] + align64(o.bytes)});
        }
        std::sort(busy.begin(), busy.end());
        size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
        for (const auto& [begin, end] : busy) {
            if (begin > cursor && begin - cursor >= size && begin - cursor < best_gap) {
                best = cursor;
                best_gap = begin - cursor;
            }
            cursor = std::max(cursor, end);
        }
        plan.offsets[i] = best != SIZE_MAX ? best : cursor;
        plan.arena_bytes = std::max(plan.arena_bytes, plan.offsets[i] + size);
        placed.push_back(i);
    }
    return plan;
}

}  // namespace frugal::compile
