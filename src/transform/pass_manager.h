#pragma once
// Runs passes in order and records, per pass, what it did and what it cost: wall time, nodes
// changed, RSS before and after, and the peak during it (VmHWM reset before each pass).
#include <string>
#include <vector>

#include "transform/pass.h"

namespace frugal::transform {

struct PassRecord {
    std::string name;
    double seconds = 0;
    size_t nodes_changed = 0;
    size_t nodes_after = 0;
    int64_t rss_before_kb = 0;
    int64_t rss_after_kb = 0;
    int64_t peak_kb = 0;  // VmHWM during the pass (0 where it cannot be reset)
};

struct PassManagerOptions {
    // Verify the graph (and re-infer its types) after every pass. On in tests and debug builds.
#ifdef NDEBUG
    bool verify = false;
#else
    bool verify = true;
#endif
    bool measure_memory = true;
};

std::vector<PassRecord> run_passes(Model& model, const std::vector<Pass>& passes, const PassManagerOptions& options = {});

// The per-pass table printed by `frugal convert --report` and `frugal profile`.
std::string format_pass_table(const std::vector<PassRecord>& records);

}  // namespace frugal::transform
