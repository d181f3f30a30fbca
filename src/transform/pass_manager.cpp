#include "transform/pass_manager.h"

#include <chrono>
#include <cstdio>

#include "ir/error.h"
#include "ir/verifier.h"
#include "ops/op_table.h"
#include "profile/memory.h"

namespace frugal::transform {

std::vector<PassRecord> run_passes(Model& model, const std::vector<Pass>& passes, const PassManagerOptions& options) {
    std::vector<PassRecord> records;
    for (const Pass& pass : passes) {
        PassRecord r;
        r.name = pass.name;
        bool peak_ok = false;
        if (options.measure_memory) {
            peak_ok = profile::reset_peak();
            r.rss_before_kb = profile::sample_memory().rss_kb;
        }
        auto start = std::chrono::steady_clock::now();
        r.nodes_changed = pass.run(model);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (options.measure_memory) {
            profile::MemorySample s = profile::sample_memory();
            r.rss_after_kb = s.rss_kb;
            r.peak_kb = peak_ok ? s.peak_kb : 0;
        }
        r.nodes_after = model.graph.live_node_count();
        if (options.verify) {
            try {
                verify_graph(model.graph);
                infer_graph(model.graph);
                verify_graph(model.graph, true);
            } catch (const Error& e) {
                fail("after pass " + pass.name + ": " + e.what());
            }
        }
        records.push_back(r);
    }
    return records;
}

std::string format_pass_table(const std::vector<PassRecord>& records) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-28s %9s %8s %7s %10s %10s %10s\n", "pass", "time ms", "changed", "nodes", "RSS MiB", "delta MiB",
                  "peak MiB");
    out += line;
    for (const PassRecord& r : records) {
        std::snprintf(line, sizeof line, "%-28s %9.2f %8zu %7zu %10.1f %+10.1f %10.1f\n", r.name.c_str(), r.seconds * 1e3,
                      r.nodes_changed, r.nodes_after, double(r.rss_after_kb) / 1024, double(r.rss_after_kb - r.rss_before_kb) / 1024,
                      double(r.peak_kb) / 1024);
        out += line;
    }
    return out;
}

}  // namespace frugal::transform
